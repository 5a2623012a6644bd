package node

import (
	"fmt"
	"regexp"
	"sync"

	"go.podman.io/image/v5/transports"
)

// atomicScope is the atomic (OpenShift) transport's scope pattern,
// go.podman.io/image/v5/openshift.scopeRegexp: hostname/namespace/stream:tag
// or a parent of it. Compiled on first use, as the policy's other patterns.
var atomicScope = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile("^[^/]*(/[^:/]*(/[^:/]*(:[^:/]*)?)?)?$")
})

// scopeValidator returns the check the library applies to a transport's
// scope keys (its ValidatePolicyConfigurationScope), nil for none. The
// library consults the transports linked into the program; a node (CRI-O)
// links all of them, so the docker and atomic rules are built in here:
// docker accepts every scope, atomic needs atomicScope. Other transports
// are checked when the program registers them, as the library does.
func scopeValidator(transport string) func(string) error {
	switch transport {
	case "docker":
		return nil
	case "atomic":
		return func(scope string) error {
			if !atomicScope().MatchString(scope) {
				return fmt.Errorf("Invalid scope name %s", scope)
			}
			return nil
		}
	}
	if t := transports.Get(transport); t != nil {
		return t.ValidatePolicyConfigurationScope
	}
	return nil
}
