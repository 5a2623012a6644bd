package verify

import (
	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/internal/bounded"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// refCache memoises the references an image name is pulled as: the library's reference grammar is a
// regular expression that costs more than a cached decision, and the same
// references come back pull after pull. Parsed references are immutable;
// errors are not cached.
type refCache struct {
	refs *bounded.Map[string, []reference.Named]
}

func newRefCache(max int) *refCache {
	return &refCache{refs: bounded.New[string, []reference.Named](max)}
}

// candidates memoises pullCandidates for the engine's one registries.conf.
func (c *refCache) candidates(image string, conf *node.RegistriesConf) ([]reference.Named, error) {
	if refs, ok := c.refs.Get(image); ok {
		return refs, nil
	}
	refs, err := pullCandidates(image, conf)
	if err != nil {
		return nil, err
	}
	c.refs.Put(image, refs)
	return refs, nil
}
