package fetch

import "sync"

// validManifests remembers the digests (with media type) of manifests that
// parsed: the bytes behind a digest never change, so neither does the
// verdict, and a manifest read again by digest skips the JSON parse. It is
// process-wide because the fact holds for every client.
var validManifests = newFactSet(4096)

// factSet is a bounded set of strings, emptied when full: a miss only costs
// a recomputation.
type factSet struct {
	max int
	mu  sync.RWMutex
	set map[string]struct{}
}

func newFactSet(max int) *factSet { return &factSet{max: max, set: make(map[string]struct{})} }

func (s *factSet) has(k string) bool {
	s.mu.RLock()
	_, ok := s.set[k]
	s.mu.RUnlock()
	return ok
}

func (s *factSet) add(k string) {
	s.mu.Lock()
	if len(s.set) >= s.max {
		clear(s.set)
	}
	s.set[k] = struct{}{}
	s.mu.Unlock()
}
