package node

import "strings"

// Shadows reports whether scope narrow hides scope broad in a lookup: an
// image that narrow matches reaches narrow on the scope walk before broad,
// and broad would match it were narrow absent. It holds when broad is a
// path parent of narrow (the repository of a tag or digest scope included),
// the host of narrow with the same port, or a "*." wildcard that narrow's
// port-less host — or narrow's own wildcard — falls under. A scope does not
// shadow itself.
func Shadows(narrow, broad string) bool {
	for _, key := range ShadowedBy(narrow) {
		if key == broad {
			return true
		}
	}
	return false
}

// ShadowedBy lists the scopes narrow shadows: Shadows(narrow, broad) holds
// exactly for the broad scopes listed, in scope walk order.
func ShadowedBy(narrow string) []string { return walkFromScope(narrow)[1:] }

// walkFromScope lists the keys the scope walk visits, in order, for an
// image whose lookup starts at scope: the scope itself, its repository when
// it names a tag or digest, each parent namespace, the host, then the
// wildcards of the port-less host from the most specific.
func walkFromScope(scope string) []string {
	keys := []string{scope}
	host := scope
	if wildcard, ok := strings.CutPrefix(scope, "*."); ok {
		host = wildcard
	} else {
		name := scope
		if at := strings.IndexByte(name, '@'); at >= 0 {
			name = name[:at]
		} else if slash := strings.LastIndexByte(name, '/'); slash >= 0 {
			if colon := strings.IndexByte(name[slash:], ':'); colon >= 0 {
				name = name[:slash+colon]
			}
		}
		if name != scope {
			keys = append(keys, name)
		}
		for slash := strings.LastIndexByte(name, '/'); slash >= 0; slash = strings.LastIndexByte(name, '/') {
			name = name[:slash]
			keys = append(keys, name)
		}
		host, _, _ = strings.Cut(name, ":")
	}
	for dot := strings.IndexByte(host, '.'); dot >= 0; dot = strings.IndexByte(host, '.') {
		host = host[dot+1:]
		keys = append(keys, "*."+host)
	}
	return keys
}
