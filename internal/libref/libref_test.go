package libref_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/libref"
)

func TestAllowed(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged", "key-no-sig-tag"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cat := srv.Catalogue()
	key := cat.Policies["policies/key-tagged-matchrepository.yaml"].Spec.Policy.RootOfTrust.PublicKey.KeyData
	keyJSON, err := json.Marshal(key)
	if err != nil {
		t.Fatal(err)
	}
	signed := `{"default":[{"type":"reject"}],"transports":{"docker":{"` + cat.Registry + `":[{"type":"sigstoreSigned","keyData":` + string(keyJSON) + `,"signedIdentity":{"type":"matchRepository"}}]}}}`
	regD := libref.RegistriesD(cat.Registry)
	for _, tc := range []struct {
		desc, policy, image string
		regD                map[string][]byte
		want                bool
		wantErr             string
	}{
		{"accept anything", `{"default":[{"type":"insecureAcceptAnything"}]}`, "/scenarios/key-tagged:v1", nil, true, ""},
		{"reject", `{"default":[{"type":"reject"}]}`, "/scenarios/key-tagged:v1", nil, false, "rejected by policy"},
		{"signed image", signed, "/scenarios/key-tagged:v1", regD, true, ""},
		{"unsigned image", signed, "/scenarios/key-no-sig-tag:v1", regD, false, "no signature exists"},
		{"attachments not enabled", signed, "/scenarios/key-tagged:v1", nil, false, "no signature exists"},
		{"malformed policy", `{"default":[]`, "/scenarios/key-tagged:v1", nil, false, "parsing policy"},
		{"missing image", signed, "/scenarios/none:v1", regD, false, "opening"},
		{"bad registries.d name", signed, "/scenarios/key-tagged:v1", map[string][]byte{"../x.yaml": nil}, false, "plain file name"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			got, err := libref.Allowed(t.Context(), []byte(tc.policy), tc.regD, cat.Registry+tc.image)
			if got != tc.want {
				t.Errorf("expected allowed=%v, got %v (%v)", tc.want, got, err)
			}
			if tc.wantErr == "" && err != nil {
				t.Errorf("unexpected error: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("expected an error containing %q, got %v", tc.wantErr, err)
			}
		})
	}
}

// TestNodeReadsThePolicyAtEachPull: a Node's files are written once, and
// every pull reads policy.json again, as CRI-O does: a change on disk is seen
// by the next pull.
func TestNodeReadsThePolicyAtEachPull(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged", "list-per-platform"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cat := srv.Catalogue()
	root := t.TempDir()
	accept := []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`)
	n, err := libref.WriteNode(root, libref.Inputs{PolicyJSON: accept, RegistriesD: libref.RegistriesD(cat.Registry)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{libref.PolicyPath, libref.RegistriesConfPath, libref.RegistriesDPath + "/sigstore-registries.yaml"} {
		if _, err := os.Stat(filepath.Join(root, p)); err != nil {
			t.Errorf("node file %s: %v", p, err)
		}
	}
	image := cat.Registry + "/scenarios/key-tagged:v1"
	for range 2 {
		if ok, err := n.AllowedInstance(t.Context(), image, ""); !ok {
			t.Fatalf("accept-anything policy: denied: %v", err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, libref.PolicyPath), []byte(`{"default":[{"type":"reject"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if ok, err := n.AllowedInstance(t.Context(), image, ""); ok || err == nil || !strings.Contains(err.Error(), "rejected by policy") {
		t.Errorf("after policy.json changed to reject: allowed=%v, %v", ok, err)
	}

	// A manifest-list instance: the list is read, then the instance judged.
	if err := os.WriteFile(filepath.Join(root, libref.PolicyPath), accept, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Entries {
		if e.Instance == "" {
			continue
		}
		if ok, err := n.AllowedInstance(t.Context(), e.Reference, digest.Digest(e.Instance)); !ok {
			t.Errorf("%s instance %s: denied: %v", e.Reference, e.Instance, err)
		}
		other := digest.FromString("not an instance")
		if ok, err := n.AllowedInstance(t.Context(), e.Reference, other); ok || err == nil || !strings.Contains(err.Error(), "is not an instance") {
			t.Errorf("%s instance %s: allowed=%v, %v", e.Reference, other, ok, err)
		}
		break
	}
}
