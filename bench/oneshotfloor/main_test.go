package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

// TestDecide: the floor does the real work of the decision — it accepts the
// honest key-signed image and refuses the ones whose signature, key or
// signed digest is wrong, or that have no signature.
func TestDecide(t *testing.T) {
	scenarios := map[string]bool{ // scenario -> the floor accepts it
		"key-tagged":             true,
		"key-unknown":            false,
		"key-tampered-signature": false,
		"key-digest-mismatch":    false,
		"key-no-sig-tag":         false,
	}
	names := make([]string, 0, len(scenarios))
	for name := range scenarios {
		names = append(names, name)
	}
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: names})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cat := srv.Catalogue()
	cip := cat.Policies[fixtures.PoliciesDir+"/key-tagged-matchrepository.yaml"]
	if cip == nil {
		t.Fatal("no key-tagged policy in the catalogue")
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, cip.Spec.Policy.RootOfTrust.PublicKey.KeyData, 0o600); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range cat.Entries {
		want, ok := scenarios[e.Scenario]
		if !ok || strings.Contains(e.Reference, "@") || seen[e.Scenario] {
			continue
		}
		seen[e.Scenario] = true
		err := decide(t.Context(), e.Reference, keyFile)
		if got := err == nil; got != want {
			t.Errorf("%s (%s): accepted %v, want %v (err %v)", e.Scenario, e.Reference, got, want, err)
		}
	}
	if len(seen) != len(scenarios) {
		t.Errorf("decided %d scenarios' tagged references, want %d", len(seen), len(scenarios))
	}
}
