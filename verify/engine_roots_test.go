package verify

import (
	"encoding/base64"
	"os"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// TestEngineSharesOnlyEqualRequirements: equal requirements in different
// scopes share one compiled verifier; requirements that differ only in how
// they name their key, or that cannot compile, do not share one.
func TestEngineSharesOnlyEqualRequirements(t *testing.T) {
	key, err := os.ReadFile(vector("cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	// A relative key path that is also valid base64: keyData holding its
	// decoding is spelled with the same characters.
	t.Chdir(t.TempDir())
	const path = "trustedKey00"
	if err := os.WriteFile(path, key, 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := base64.StdEncoding.DecodeString(path)
	if err != nil {
		t.Fatal(err)
	}
	id := node.Identity{Type: node.MatchRepository}
	req := func(root node.SigstoreRoot) node.Requirements {
		return node.Requirements{{Type: node.SigstoreSigned, Sigstore: &node.SigstoreRequirement{Root: root, SignedIdentity: id}}}
	}
	scopes := map[string]node.Requirements{
		"a.example/app":  req(node.PublicKeyRoot{Keys: node.PEMPath(path)}),
		"b.example/app":  req(node.PublicKeyRoot{Keys: node.PEMPath(path)}),
		"c.example/app":  req(node.PublicKeyRoot{Keys: node.PEMData(data)}),
		"d.example/app":  req(nil),
		"e.example/app":  req(node.PublicKeyRoot{}),
		"f.example/app":  req(node.PublicKeyRoot{Keys: node.PEMData(key)}),
		"f2.example/app": req(node.PublicKeyRoot{Keys: node.PEMData(key)}),
	}
	e, err := New(node.Config{Policy: &node.Policy{
		Default:    node.Requirements{{Type: node.Reject}},
		Transports: map[string]map[string]node.Requirements{"docker": scopes},
	}})
	if err != nil {
		t.Fatal(err)
	}
	verifier := func(scope string) *SigstoreVerifier { return e.verifiers[scopes[scope][0].Sigstore].verifier }
	if verifier("a.example/app") == nil || verifier("a.example/app") != verifier("b.example/app") {
		t.Error("equal key path requirements do not share a verifier")
	}
	if verifier("f.example/app") == nil || verifier("f.example/app") != verifier("f2.example/app") {
		t.Error("equal key data requirements do not share a verifier")
	}
	var got []string
	for _, err := range e.ConfigErrors() {
		got = append(got, err.Error())
	}
	want := []string{
		`transport "docker" scope "c.example/app", requirement 0: parsing public key 1: PEM decoding failed`,
		`transport "docker" scope "d.example/app", requirement 0: sigstoreSigned requirement without a root of trust`,
		`transport "docker" scope "e.example/app", requirement 0: no public keys configured`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("configuration errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
