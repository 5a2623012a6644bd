package verify

import (
	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/internal/bounded"
)

// refCache memoises ParseImage: the library's reference grammar is a
// regular expression that costs more than a cached decision, and the same
// references come back pull after pull. Parsed references are immutable;
// errors are not cached.
type refCache struct {
	refs *bounded.Map[string, reference.Named]
}

func newRefCache(max int) *refCache {
	return &refCache{refs: bounded.New[string, reference.Named](max)}
}

func (c *refCache) parse(image string) (reference.Named, error) {
	if ref, ok := c.refs.Get(image); ok {
		return ref, nil
	}
	ref, err := ParseImage(image)
	if err != nil {
		return nil, err
	}
	c.refs.Put(image, ref)
	return ref, nil
}
