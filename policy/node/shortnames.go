package node

import (
	"errors"
	"fmt"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// ErrAmbiguousShortName is CRI-O's refusal of a short name with several
// candidates under short-name-mode "enforcing" (it cannot prompt).
var ErrAmbiguousShortName = errors.New("short name mode is enforcing, but the image name returns an ambiguous list")

// PullCandidates returns the references CRI-O tries, in this order, for an
// image name as a pod spec writes it (CRI-O's
// CandidatesForPotentiallyShortImageName, the library's shortnames.Resolve
// without a terminal): a name that starts with a registry is itself,
// normalised; a short name ("busybox:1", "library/fedora") is its alias
// when registries.conf defines one, else the name under each
// unqualified-search registry. short-name-mode "enforcing" refuses more
// than one candidate. A name without tag or digest gets ":latest". A node's own short-name-aliases.conf cache is not
// read: it is state, not configuration.
func (c *RegistriesConf) PullCandidates(name string) ([]reference.Named, error) {
	ref, err := reference.Parse(name)
	if err != nil {
		return nil, fmt.Errorf("cannot parse input: %q: %w", name, err)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return nil, fmt.Errorf("%q is not a named reference", name)
	}
	if registry := reference.Domain(named); strings.ContainsAny(registry, ".:") || registry == "localhost" {
		normalised, err := reference.ParseNormalizedNamed(name)
		if err != nil {
			return nil, fmt.Errorf("cannot normalize input: %q: %w", name, err)
		}
		return []reference.Named{reference.TagNameOnly(normalised)}, nil
	}
	if alias := c.alias(reference.TrimNamed(named).String()); alias != nil {
		if tagged, ok := named.(reference.NamedTagged); ok {
			if alias, err = reference.WithTag(alias, tagged.Tag()); err != nil {
				return nil, err
			}
		}
		if digested, ok := named.(reference.Digested); ok {
			if alias, err = reference.WithDigest(alias, digested.Digest()); err != nil {
				return nil, err
			}
		}
		return []reference.Named{reference.TagNameOnly(alias)}, nil
	}
	search := c.UnqualifiedSearchRegistries()
	if len(search) == 0 {
		if c.searchOrigin() != "" {
			return nil, fmt.Errorf("short-name %q did not resolve to an alias and no unqualified-search registries are defined in %q", name, c.searchOrigin())
		}
		return nil, fmt.Errorf("short-name %q did not resolve to an alias and no containers-registries.conf(5) was found", name)
	}
	out := make([]reference.Named, 0, len(search))
	for _, registry := range search {
		candidate, err := reference.ParseNormalizedNamed(registry + "/" + name)
		if err != nil {
			return nil, fmt.Errorf("creating reference with unqualified-search registry %q: %w", registry, err)
		}
		out = append(out, reference.TagNameOnly(candidate))
	}
	if len(out) > 1 && c.ShortNameMode() == "enforcing" {
		return nil, fmt.Errorf("%w: %s", ErrAmbiguousShortName, name)
	}
	return out, nil
}

// IsShortName reports whether name names no registry ("busybox:1",
// "library/fedora"), as the library's shortnames.IsShortName does.
func IsShortName(name string) bool {
	ref, err := reference.Parse(name)
	if err != nil {
		return false
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return false
	}
	registry := reference.Domain(named)
	return !strings.ContainsAny(registry, ".:") && registry != "localhost"
}

// alias is the alias of a short repository name; nil when none (or reset).
func (c *RegistriesConf) alias(name string) reference.Named {
	if c == nil || checkShortName(name) != nil {
		return nil
	}
	return c.aliases[name]
}

func (c *RegistriesConf) searchOrigin() string {
	if c == nil {
		return ""
	}
	return c.searchFrom
}

// ShortNameMode is the short-name-mode in force: the last file's that sets
// one, else the library's default, "permissive".
func (c *RegistriesConf) ShortNameMode() string {
	if c == nil || c.shortNameMode == "" {
		return "permissive"
	}
	return c.shortNameMode
}
