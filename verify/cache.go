package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// CacheKey identifies one evaluation of a requirement list: the reference
// as requested (a tag or a digest), the platform picked from manifest lists,
// the engine's signature sources (registries.d and registries.conf's pull
// sources) and the compiled requirements (their types, trust material and
// identity rules). Where the image was served from is checked against the
// entry.
type CacheKey [sha256.Size]byte

func (k CacheKey) String() string { return hex.EncodeToString(k[:]) }

// newCacheKey hashes the fields with length prefixes so that no two
// different field lists share a key.
func newCacheKey(fields ...string) CacheKey {
	var buf [512]byte
	b := buf[:0]
	for _, f := range fields {
		b = binary.LittleEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	return sha256.Sum256(b)
}

// sourceFingerprint identifies where an engine reads images and signatures:
// its registries.d (use-sigstore-attachments) and its fetcher's pull
// sources (mirrors, blocks), compared as SamePullSources compares them.
// It is in every cache key, so that a Cache shared by engines of different
// configurations never answers one with another's verdict, stale or not.
func sourceFingerprint(regD *node.Registries, conf *node.RegistriesConf) (string, error) {
	pull := conf.Registries()
	if len(pull) == 0 {
		pull = nil // SamePullSources: none and empty are the same
	}
	b, err := json.Marshal(struct {
		RegistriesD *node.Registries
		PullSources []sysregistriesv2.Registry
	}{regD, pull})
	if err != nil {
		return "", fmt.Errorf("fingerprinting the signature sources: %w", err)
	}
	sum := sha256.Sum256(b)
	return string(sum[:]), nil
}

// CacheEntry is a stored verdict: the requirement results of an allowed
// evaluation, what it was about, and when it stops being reusable.
type CacheEntry struct {
	Requirements []RequirementResult
	// Expires is when the verdict must be recomputed whatever the registry
	// says (the end of an accepted PKI chain); zero: never.
	Expires time.Time
	// Digest and ListDigest are the verified manifest; Attachments where its
	// signatures were read; AttachmentDigest the digest of the `.sig`
	// manifest they came from. A hit needs the registry to serve the same.
	Digest, ListDigest string
	Attachments        *Attachments
	AttachmentDigest   string
	// Proven is when the registry last served this image and attachment.
	Proven time.Time
}

// expiredAt reports whether the entry must be recomputed at now.
func (e CacheEntry) expiredAt(now time.Time) bool {
	return !e.Expires.IsZero() && !now.Before(e.Expires)
}

// cloneResults deep-copies results, so that a caller editing its Decision
// cannot change a cached entry, nor a cached entry a Decision.
func cloneResults(rs []RequirementResult) []RequirementResult {
	out := make([]RequirementResult, len(rs))
	for i, r := range rs {
		out[i] = r
		out[i].Signatures = make([]SignatureResult, len(r.Signatures))
		for j, sr := range r.Signatures {
			out[i].Signatures[j] = sr
			out[i].Signatures[j].Checks = append([]Check(nil), sr.Checks...)
		}
	}
	return out
}

// Cache stores allowed verdicts. Only allowed verdicts are stored: a denial
// may be cured by a signature pushed later, and transient failures must be
// retried. A hit Puts the entry again with a new Proven time.
// Implementations must be safe for concurrent use.
type Cache interface {
	Get(key CacheKey, now time.Time) (CacheEntry, bool)
	Put(key CacheKey, entry CacheEntry)
}

// MemoryCache is a bounded in-memory Cache. When full, expired entries are
// dropped first, then an arbitrary half of the rest.
type MemoryCache struct {
	max     int
	mu      sync.RWMutex
	entries map[CacheKey]CacheEntry
}

// NewMemoryCache returns a cache holding at most max entries (max <= 0
// means 10,000).
func NewMemoryCache(max int) *MemoryCache {
	if max <= 0 {
		max = 10000
	}
	return &MemoryCache{max: max, entries: make(map[CacheKey]CacheEntry)}
}

// Get returns the entry for key unless it is missing or expired at now.
func (c *MemoryCache) Get(key CacheKey, now time.Time) (CacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || e.expiredAt(now) {
		return CacheEntry{}, false
	}
	return e, true
}

// Put stores entry under key, evicting if the cache is full.
func (c *MemoryCache) Put(key CacheKey, entry CacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.entries[key]; !exists && len(c.entries) >= c.max {
		c.evictLocked(time.Now())
	}
	c.entries[key] = entry
}

// Len reports the number of stored entries.
func (c *MemoryCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

func (c *MemoryCache) evictLocked(now time.Time) {
	for k, e := range c.entries {
		if e.expiredAt(now) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max/2+1 {
			return
		}
		delete(c.entries, k)
	}
}

// key identifies this evaluation's verdict; ok is false when the
// requirements cannot be fingerprinted: nothing is cached then.
func (ev *evaluation) key(all node.Requirements) (CacheKey, bool) {
	if len(all) == 0 {
		return CacheKey{}, false
	}
	fp, ok := ev.engine.fingerprints[&all[0]]
	if !ok {
		return CacheKey{}, false
	}
	return newCacheKey("verdict/v3", ev.decision.Reference, ev.engine.platform, ev.engine.source, fp), true
}

// cachedVerdict answers from the cache when it holds a verdict for this
// evaluation that is still current, and reports whether the evaluation is
// settled: a hit, or a failure to resolve the image (ev.loadErr). Otherwise
// the full evaluation follows, reusing ev.image when it was resolved here.
//
// Current means: within WithStaleCache's window, without a request; else
// the registry serves the same manifest (immutable for a digest reference
// read from its own registry; the tag resolved again, at the same time as
// the attachment is read, for a tag; the library's source selection where
// registries.conf applies) and a `.sig` manifest with the same digest.
func (ev *evaluation) cachedVerdict(all node.Requirements) bool {
	e := ev.engine
	key, ok := ev.key(all)
	if !ok {
		return false
	}
	ev.cacheKey = &key
	entry, ok := e.cache.Get(key, ev.checkedAt)
	if !ok || !usable(entry, all, ev.checkedAt) {
		return false
	}
	if age := ev.checkedAt.Sub(entry.Proven); e.staleFor > 0 && age >= 0 && age <= e.staleFor {
		ev.useCached(entry)
		ev.decision.Stale, ev.decision.CacheAge = true, age
		return true
	}
	d := digest.Digest(entry.Digest)
	if img, ok := e.fetcher.ImageAt(ev.ref, d); ok && ev.sameSource(entry, img.Physical) {
		if _, byDigest := ev.ref.(reference.Digested); byDigest {
			return ev.proveAttachment(key, entry, img)
		}
		type read struct {
			digest digest.Digest
			err    error
		}
		attachment := make(chan read, 1)
		go func() {
			got, err := e.fetcher.AttachmentDigest(ev.ctx, img)
			attachment <- read{got, err}
		}()
		resolved, err := e.fetcher.Resolve(ev.ctx, ev.ref)
		r := <-attachment
		if err != nil {
			ev.loadErr = err
			return true
		}
		ev.image = resolved
		if resolved.Digest != d || r.err != nil || r.digest == "" || string(r.digest) != entry.AttachmentDigest {
			return false
		}
		entry.ListDigest = resolved.ListDigest.String() // the tag may now name another list with this image
		ev.hit(key, entry)
		return true
	}
	resolved, err := e.fetcher.Resolve(ev.ctx, ev.ref)
	if err != nil {
		ev.loadErr = err
		return true
	}
	ev.image = resolved
	if resolved.Digest != d || !ev.sameSource(entry, resolved.Physical) {
		return false
	}
	entry.ListDigest = resolved.ListDigest.String()
	return ev.proveAttachment(key, entry, resolved)
}

// proveAttachment reads img's `.sig` manifest and takes the entry when its
// digest is the one the verdict was reached on.
func (ev *evaluation) proveAttachment(key CacheKey, entry CacheEntry, img *fetch.Image) bool {
	got, err := ev.engine.fetcher.AttachmentDigest(ev.ctx, img)
	if err != nil || got == "" || string(got) != entry.AttachmentDigest {
		return false
	}
	ev.hit(key, entry)
	return true
}

// sameSource reports whether the entry's signatures were read where they
// would be read now: the same repository (a mirror may serve a pull one
// time and not the next), with attachments enabled as they are now (the
// key already fixes registries.d; this refuses a foreign Cache's entry).
func (ev *evaluation) sameSource(entry CacheEntry, physical reference.Named) bool {
	return entry.Attachments.Repository == physical.Name() &&
		entry.Attachments.Enabled == ev.engine.registries.UseSigstoreAttachments(physical)
}

// usable reports whether entry is a verdict this evaluation can take at
// now: unexpired, an allowed result for each requirement, in policy order,
// with what a hit is proven against. Anything else (a foreign Cache
// implementation's expired or corrupt entry: the interface does not make
// Get check Expires) is a miss.
func usable(entry CacheEntry, all node.Requirements, now time.Time) bool {
	if len(entry.Requirements) != len(all) || entry.Attachments == nil || entry.AttachmentDigest == "" || entry.Digest == "" {
		return false
	}
	if entry.expiredAt(now) {
		return false
	}
	for i, r := range entry.Requirements {
		if !r.Allowed || r.Type != string(all[i].Type) {
			return false
		}
	}
	return true
}

// hit takes a verdict the registry just proved current, and records when.
func (ev *evaluation) hit(key CacheKey, entry CacheEntry) {
	ev.useCached(entry)
	entry.Proven = ev.checkedAt
	ev.engine.cache.Put(key, entry)
}

// useCached makes the entry this evaluation's results.
func (ev *evaluation) useCached(entry CacheEntry) {
	ev.decision.Cached = true
	ev.cached = cloneResults(entry.Requirements)
	att := *entry.Attachments
	ev.decision.Attachments = &att
	ev.decision.Digest, ev.decision.ListDigest = entry.Digest, entry.ListDigest
}

// store caches an allowed verdict reached on signatures read in this
// evaluation.
func (ev *evaluation) store() {
	d := ev.decision
	if !d.Allowed || d.Cached || ev.cacheKey == nil || ev.attachmentDigest == "" || d.Attachments == nil {
		return
	}
	att := *d.Attachments
	ev.engine.cache.Put(*ev.cacheKey, CacheEntry{Requirements: cloneResults(d.Requirements), Expires: expiry(d.Requirements),
		Digest: d.Digest, ListDigest: d.ListDigest, Attachments: &att, AttachmentDigest: string(ev.attachmentDigest), Proven: ev.checkedAt})
}

// expiry is when an allowed verdict stops being reusable: the earliest
// validity end of the accepted PKI chains (verified at the current time), or
// never for keys and Fulcio (verified at a fixed time).
func expiry(reqs []RequirementResult) time.Time {
	var end time.Time
	for _, r := range reqs {
		if !r.ValidUntil.IsZero() && (end.IsZero() || r.ValidUntil.Before(end)) {
			end = r.ValidUntil
		}
	}
	return end
}
