package verify

import (
	"errors"
	"time"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Option configures an Engine; it may fail.
type Option func(*options) error

type options struct {
	policyFile string
	registries *node.Registries
	fetcher    *fetch.Client
	cache      Cache
	now        func() time.Time
}

// WithPolicyFile names the policy in every Decision (default "policy.json").
func WithPolicyFile(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("policy file name is empty")
		}
		o.policyFile = name
		return nil
	}
}

// WithRegistries sets the registries.d configuration that decides where
// cosign attachments are read (default: none, so no registry has
// use-sigstore-attachments and every sigstoreSigned requirement finds no
// signatures — exactly what the library does without registries.d).
func WithRegistries(r *node.Registries) Option {
	return func(o *options) error {
		if r == nil {
			return errors.New("registries configuration is nil")
		}
		o.registries = r
		return nil
	}
}

// WithFetcher sets the registry client (default: fetch.New() with its
// defaults, made when the Engine is built).
func WithFetcher(c *fetch.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("fetcher is nil")
		}
		o.fetcher = c
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
