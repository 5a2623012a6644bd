// Package bounded holds a size-bounded, concurrency-safe map for memos of
// facts that are cheap to recompute: when full it is emptied, so a miss
// only costs the recomputation and memory never grows past the bound.
package bounded

import "sync"

// Map is a memo of at most Max entries. The zero value is unusable; use New.
type Map[K comparable, V any] struct {
	max int
	mu  sync.RWMutex
	m   map[K]V
}

// New returns an empty Map holding at most max entries (max >= 1).
func New[K comparable, V any](max int) *Map[K, V] {
	return &Map[K, V]{max: max, m: make(map[K]V)}
}

// Get returns the value stored for k.
func (b *Map[K, V]) Get(k K) (V, bool) {
	b.mu.RLock()
	v, ok := b.m[k]
	b.mu.RUnlock()
	return v, ok
}

// Put stores v for k, first emptying the map when it is full.
func (b *Map[K, V]) Put(k K, v V) {
	b.mu.Lock()
	if _, exists := b.m[k]; !exists && len(b.m) >= b.max {
		clear(b.m)
	}
	b.m[k] = v
	b.mu.Unlock()
}

// Len reports the number of entries.
func (b *Map[K, V]) Len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}
