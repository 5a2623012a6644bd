package policy

import (
	"slices"
	"strings"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
)

// registryTable is a registries.conf's entries as the containers library
// holds them after loading a file: every prefix set (a location entry's
// prefix is its location), one entry per prefix (the first), sorted by
// prefix. It answers FindRegistry without a file; the entries' own
// PullSourcesFromReference does the rest.
type registryTable []sysregistriesv2.Registry

func newRegistryTable(regs []sysregistriesv2.Registry) registryTable {
	t := make(registryTable, 0, len(regs))
	seen := map[string]bool{}
	for _, r := range regs {
		r.Location = strings.TrimRight(r.Location, "/")
		r.Prefix = strings.TrimRight(r.Prefix, "/")
		if r.Prefix == "" {
			r.Prefix = r.Location
		}
		if seen[r.Prefix] {
			continue
		}
		seen[r.Prefix] = true
		t = append(t, r)
	}
	slices.SortStableFunc(t, func(a, b sysregistriesv2.Registry) int { return strings.Compare(a.Prefix, b.Prefix) })
	return t
}

// find returns the entry with the longest prefix matching ref (a registry,
// namespace, repository or image reference starting with its host), the
// first in prefix order among equally long ones, or nil.
func (t registryTable) find(ref string) *sysregistriesv2.Registry {
	var best *sysregistriesv2.Registry
	for i := range t {
		if prefixMatches(ref, t[i].Prefix) && (best == nil || len(t[i].Prefix) > len(best.Prefix)) {
			best = &t[i]
		}
	}
	return best
}

// prefixMatches is the library's prefix rule: a plain prefix matches
// itself or a reference continuing with ":", "/" or "@" (so "example.com"
// also matches "example.com:5000", as the library documents); "*.domain"
// matches when ".domain" occurs in the host part and is followed by the end,
// ":", "/" or "@".
func prefixMatches(ref, prefix string) bool {
	if strings.HasPrefix(prefix, "*.") {
		i := strings.Index(ref, prefix[1:])
		if i < 0 || strings.Contains(ref[:i], "/") {
			return false
		}
		return continuesReference(ref, i+len(prefix)-1)
	}
	return strings.HasPrefix(ref, prefix) && continuesReference(ref, len(prefix))
}

func continuesReference(ref string, i int) bool {
	return i == len(ref) || strings.ContainsRune(":/@", rune(ref[i]))
}
