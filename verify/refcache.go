package verify

import (
	"github.com/sigpolicy/sigpolicy/internal/bounded"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// refCache memoises how an image name is pulled (pullCandidates): the
// library's reference grammar is a regular expression that costs more than a
// cached decision, and the same names come back pull after pull. Parsed
// references are immutable; errors are not cached.
type refCache struct {
	pulls *bounded.Map[string, pull]
}

func newRefCache(max int) *refCache {
	return &refCache{pulls: bounded.New[string, pull](max)}
}

// candidates memoises pullCandidates for the engine's one registries.conf.
func (c *refCache) candidates(image string, conf *node.RegistriesConf) (pull, error) {
	if p, ok := c.pulls.Get(image); ok {
		return p, nil
	}
	p, err := pullCandidates(image, conf)
	if err != nil {
		return pull{}, err
	}
	c.pulls.Put(image, p)
	return p, nil
}
