package verify

import (
	"errors"
	"fmt"
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
	staleFor   time.Duration
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

// WithCache stores allowed verdicts in c (default: no cache) and reuses
// one only while it is current: the image digest, the digest of its `.sig`
// attachment manifest and the compiled trust unchanged. A hit costs one
// request for a digest reference read from its own registry (the `.sig`
// manifest), two at once for a tag (the tag and the `.sig` manifest), and a
// resolution through the mirrors then the `.sig` manifest where
// registries.conf applies.
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
