package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"sync"
	"time"
)

// CacheKey identifies one evaluation of a requirement list: the manifest
// that was verified, the compiled requirements, and every input of the
// identity check. Tags never appear in a key on their own: a tag is always
// re-resolved to a digest before the cache is consulted.
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

// CacheEntry is a stored verdict: the requirement results of an allowed
// evaluation and the moment after which it must be recomputed (zero: never).
type CacheEntry struct {
	Requirements []RequirementResult
	Expires      time.Time
	// Digest, ListDigest and Attachments describe the verified manifest and
	// where its signatures were read, for decisions answered from the cache.
	Digest, ListDigest string
	Attachments        *Attachments
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
// retried. Implementations must be safe for concurrent use.
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
	if !ok || (!e.Expires.IsZero() && !now.Before(e.Expires)) {
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
		if !e.Expires.IsZero() && !now.Before(e.Expires) {
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
