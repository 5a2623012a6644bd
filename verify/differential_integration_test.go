//go:build integration

package verify_test

import (
	"os"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

// TestDifferentialOnRealRegistry is TestDifferentialAgainstLibrary against
// a real registry server (CNCF distribution, started on loopback by
// scripts/test-integration.sh) instead of the embedded one. Hostile
// behaviours need the embedded registry and are left out by Push.
func TestDifferentialOnRealRegistry(t *testing.T) {
	reg := os.Getenv("SIGPOLICY_TEST_REGISTRY")
	if reg == "" {
		t.Skip("SIGPOLICY_TEST_REGISTRY is not set; run scripts/test-integration.sh")
	}
	cat, err := fixtures.Push(t.Context(), reg, fixtures.Options{})
	if err != nil {
		t.Fatal(err)
	}
	runDifferential(t.Context(), t, cat)
}
