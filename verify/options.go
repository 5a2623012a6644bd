package verify

import (
	"errors"
	"fmt"
	"time"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// Option configures an Engine; it may fail.
type Option func(*options) error

type options struct {
	fetcher   *fetch.Client
	fetchOpts []fetch.Option
	cache     Cache
	staleFor  time.Duration
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

// WithCache stores allowed verdicts in c (default: no cache) and reuses
// one only while it is current: the image digest, the digest of its `.sig`
// attachment manifest and the compiled trust unchanged. A hit costs one
// request for a digest reference read from its own registry (the `.sig`
// manifest), two at once for a tag (the tag and the `.sig` manifest), and a
// resolution through the mirrors then the `.sig` manifest where
// registries.conf applies. c may be shared by engines: a verdict is
// reused only by engines with the same platform, registries.d and
// registries.conf pull sources.
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

// MaxStaleCache bounds WithStaleCache.
const MaxStaleCache = 5 * time.Minute

// WithStaleCache lets the cache answer WITHOUT ANY REQUEST for up to maxAge
// (at most MaxStaleCache) after the registry last proved a verdict current:
// within that window a deleted or replaced signature, a moved tag or a
// registry gone still get the cached allow. Such decisions say so (Stale,
// CacheAge). For embedders that accept "no request within maxAge" in
// exchange for no round trip; it needs WithCache. Default: 0, every hit is
// proven against the registry.
func WithStaleCache(maxAge time.Duration) Option {
	return func(o *options) error {
		if maxAge <= 0 || maxAge > MaxStaleCache {
			return fmt.Errorf("stale cache window %v: must be positive and at most %v", maxAge, MaxStaleCache)
		}
		o.staleFor = maxAge
		return nil
	}
}
