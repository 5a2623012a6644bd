package verify

import (
	"sync"

	"go.podman.io/image/v5/docker/reference"
)

// refCache memoises ParseImage: the library's reference grammar is a
// regular expression that costs more than a cached decision, and the same
// references come back pull after pull. Parsed references are immutable.
// The cache is emptied when full; errors are not cached.
type refCache struct {
	max  int
	mu   sync.RWMutex
	refs map[string]reference.Named
}

func newRefCache(max int) *refCache {
	return &refCache{max: max, refs: make(map[string]reference.Named)}
}

func (c *refCache) parse(image string) (reference.Named, error) {
	c.mu.RLock()
	ref, ok := c.refs[image]
	c.mu.RUnlock()
	if ok {
		return ref, nil
	}
	ref, err := ParseImage(image)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.refs) >= c.max {
		clear(c.refs)
	}
	c.refs[image] = ref
	c.mu.Unlock()
	return ref, nil
}
