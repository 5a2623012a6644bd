package cluster

import (
	"errors"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Source says where a cluster's configuration comes from: exactly one of
// Objects, Set, Root and PolicyFile.
type Source struct {
	// Objects are files or directories of cluster objects ("-" is standard
	// input), decoded by policy.LoadWithOptions with Load.
	Objects []string
	Load    policy.LoadOptions
	// Set is cluster objects already decoded (from a live cluster, say).
	Set *policy.Set
	// Root is a node's root directory (FromRoot).
	Root string
	// PolicyFile is one policy.json, with RegistriesD ("" for none) as its
	// registries.d directory (FromPolicyFile).
	PolicyFile  string
	RegistriesD string
	// RegistriesConf, when set, replaces the source's registries.conf.
	RegistriesConf string
	// Render tunes rendering of Objects and Set.
	Render policy.RenderOptions
}

// Errors of a Source that does not name exactly one configuration.
var (
	ErrNoSource    = errors.New("no policy source: give cluster objects, a node root or a policy file")
	ErrManySources = errors.New("more than one policy source: give exactly one of cluster objects, a node root or a policy file")
	// ErrRegistriesDWithoutPolicyFile: a registries.d directory goes with a policy file only.
	ErrRegistriesDWithoutPolicyFile = errors.New("a registries.d directory goes with a policy file; a node root and rendered objects bring their own")
)

// Load compiles the configuration src names.
func Load(src Source) (*Compiled, error) {
	given := 0
	for _, set := range []bool{len(src.Objects) > 0, src.Set != nil, src.Root != "", src.PolicyFile != ""} {
		if set {
			given++
		}
	}
	switch {
	case given == 0:
		return nil, ErrNoSource
	case given > 1:
		return nil, ErrManySources
	case src.RegistriesD != "" && src.PolicyFile == "":
		return nil, ErrRegistriesDWithoutPolicyFile
	}
	var (
		c   *Compiled
		err error
	)
	switch {
	case len(src.Objects) > 0:
		var set *policy.Set
		if set, err = policy.LoadWithOptions(src.Load, src.Objects...); err == nil {
			c, err = Compile(set, src.Render)
		}
	case src.Set != nil:
		c, err = Compile(src.Set, src.Render)
	case src.Root != "":
		c, err = FromRoot(src.Root)
	default:
		c, err = FromPolicyFile(src.PolicyFile, src.RegistriesD)
	}
	if err != nil || src.RegistriesConf == "" {
		return c, err
	}
	conf, err := node.LoadRegistriesConf(src.RegistriesConf)
	if err != nil {
		return nil, err
	}
	return c.WithRegistriesConf(conf), nil
}
