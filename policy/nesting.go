package policy

import (
	"iter"
	"strings"
)

// scopeIsNestedInsideScope is the MCO's nesting rule
// (github.com/openshift/runtime-utils registries.ScopeIsNestedInsideScope):
// equal; or sub is super followed by "/"; or, for a "*.x" super-scope, the
// sub-scope's host (before the first ":" — or "/" when there is no ":")
// ends with ".x". A tag or digest scope ("host/ns/repo:tag") is therefore
// never nested inside its own repository "host/ns/repo".
func scopeIsNestedInsideScope(sub, super string) bool {
	if sub == super {
		return true
	}
	if len(sub) > len(super) && strings.HasPrefix(sub, super) && sub[len(super)] == '/' {
		return true
	}
	if !strings.HasPrefix(super, "*.") {
		return false
	}
	if strings.Contains(sub, ":") {
		host := strings.Split(sub, ":")[0]
		return strings.HasSuffix(host, super[1:]) && !strings.Contains(host, "/")
	}
	return strings.HasSuffix(strings.Split(sub, "/")[0], super[1:])
}

// nestingScopes yields every scope that sub is nested inside by
// scopeIsNestedInsideScope, sub included, so that a set of scopes is
// searched by a few lookups instead of a test of each member: sub; each
// prefix of sub that a "/" follows; "*" followed by each suffix of sub's
// host (as the wildcard rule takes it) that starts with ".". A scope may be
// yielded twice.
func nestingScopes(sub string) iter.Seq[string] {
	return func(yield func(string) bool) {
		if !yield(sub) {
			return
		}
		for i := 0; i < len(sub); i++ {
			if sub[i] == '/' && !yield(sub[:i]) {
				return
			}
		}
		host := sub
		if colon := strings.IndexByte(sub, ':'); colon >= 0 {
			if host = sub[:colon]; strings.Contains(host, "/") {
				return
			}
		} else if slash := strings.IndexByte(sub, '/'); slash >= 0 {
			host = sub[:slash]
		}
		for j := 0; j < len(host); j++ {
			if host[j] == '.' && !yield("*"+host[j:]) {
				return
			}
		}
	}
}

// isValidRegistriesConfScope is runtime-utils' IsValidRegistriesConfScope,
// the MCO's check on allowed and blocked registry entries.
func isValidRegistriesConfScope(scope string) bool {
	if scope == "" {
		return false
	}
	if !strings.Contains(scope, "*") {
		return true
	}
	return strings.HasPrefix(scope, "*.") && !strings.ContainsAny(scope[2:], "/@:*")
}
