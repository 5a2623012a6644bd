package node

import (
	"errors"

	"go.podman.io/image/v5/transports"
	"go.podman.io/image/v5/types"
)

// A node links the OpenShift ("atomic") transport into the library, which
// then refuses malformed atomic scopes. That package cannot be linked here
// (its dependencies are outside this module's graph), so the differential
// tests register a stand-in with the same scope rule; the rule itself is
// checked against the OpenShift transport's own table in
// TestParsePolicyAtomicScopes.
type atomicStandIn struct{}

func init() { transports.Register(atomicStandIn{}) }

func (atomicStandIn) Name() string { return "atomic" }
func (atomicStandIn) ParseReference(string) (types.ImageReference, error) {
	return nil, errors.New("atomic stand-in: no references")
}
func (atomicStandIn) ValidatePolicyConfigurationScope(scope string) error {
	return scopeValidator("atomic")(scope)
}
