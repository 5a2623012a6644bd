package policy

import "strings"

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
