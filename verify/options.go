package verify

import (
	"errors"
	"time"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// Option configures an Engine; it may fail.
type Option func(*options) error

type options struct {
	fetcher   *fetch.Client
	fetchOpts []fetch.Option
	cache     Cache
	now       func() time.Time
}

// WithFetcher shares an existing registry client, which must follow a
// registries.conf with the same pull sources as the node configuration's,
// so that signatures are read from the mirrors CRI-O would read them from. Default:
// a client of the Engine's own (see WithFetchOptions).
func WithFetcher(c *fetch.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("fetcher is nil")
		}
		o.fetcher = c
		return nil
	}
}

// WithFetchOptions configures the Engine's own registry client: New builds
// it with these options and the node configuration's registries.conf.
// Default: fetch's defaults. It cannot be combined with WithFetcher.
func WithFetchOptions(opts ...fetch.Option) Option {
	return func(o *options) error {
		o.fetchOpts = append(o.fetchOpts, opts...)
		return nil
	}
}

// WithCache stores allowed signature verdicts in c (default: no cache).
func WithCache(c Cache) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("cache is nil")
		}
		o.cache = c
		return nil
	}
}

// WithClock sets the clock used for PKI chain validity and cache expiry
// (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("clock is nil")
		}
		o.now = now
		return nil
	}
}
