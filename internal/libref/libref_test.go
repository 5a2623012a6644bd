package libref_test

import (
	"encoding/json"
	"strings"
	"testing"

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
