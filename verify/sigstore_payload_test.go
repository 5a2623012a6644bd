package verify

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

const payloadDigest = "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00"

// strictClaims parses with the strict parser only (no layout shortcut).
func strictClaims(payload []byte) (signedClaims, error) {
	var p untrustedPayload
	err := json.Unmarshal(payload, &p)
	return p.claims, err
}

func TestParsePayload(t *testing.T) {
	cosign := string(cosignPayload(payloadDigest, "example.com/ns/app"))
	tests := []struct {
		desc    string
		payload string
		ref     string // expected docker-reference; "" when an error is expected
		err     string // expected error substring
		layout  bool   // recognised without the strict parser
	}{
		{"cosign layout", cosign, "example.com/ns/app", "", true},
		{"cosign layout with a tag", string(cosignPayload(payloadDigest, "example.com/ns/app:v1")), "example.com/ns/app:v1", "", true},
		{"keys in another order", `{"optional":null,"critical":{"type":"cosign container image signature","image":{"docker-manifest-digest":"` + payloadDigest + `"},"identity":{"docker-reference":"example.com/a"}}}`, "example.com/a", "", false},
		{"whitespace", strings.Replace(cosign, `{"critical":`, "{ \"critical\" :\n", 1), "example.com/ns/app", "", false},
		{"escaped reference", strings.Replace(cosign, "example.com/ns/app", `example.com\/ns\/app`, 1), "example.com/ns/app", "", false},
		{"optional with creator and timestamp", strings.Replace(cosign, `"optional":null`, `"optional":{"creator":"c","timestamp":1700000000}`, 1), "example.com/ns/app", "", false},
		{"optional with unknown keys", strings.Replace(cosign, `"optional":null`, `"optional":{"x":{"y":[1]}}`, 1), "example.com/ns/app", "", false},
		{"not JSON", "nope", "", "invalid character", false},
		{"trailing data", cosign + "{}", "", "invalid character", false},
		{"array", "[]", "", "JSON object expected", false},
		{"missing optional", strings.Replace(cosign, `,"optional":null`, "", 1), "", `Key "optional" missing`, false},
		{"unknown top-level key", strings.Replace(cosign, `"optional":null`, `"optional":null,"extra":1`, 1), "", `Unknown key "extra"`, false},
		{"duplicate critical", strings.Replace(cosign, `,"optional":null`, `,"critical":{},"optional":null`, 1), "", `Duplicate key "critical"`, false},
		{"extra critical key", strings.Replace(cosign, `"type":`, `"x":1,"type":`, 1), "", `Unknown key "x"`, false},
		{"missing identity", `{"critical":{"image":{"docker-manifest-digest":"` + payloadDigest + `"},"type":"cosign container image signature"},"optional":null}`, "", `Key "identity" missing`, false},
		{"extra identity key", strings.Replace(cosign, `"docker-reference":`, `"x":"y","docker-reference":`, 1), "", `Unknown key "x"`, false},
		{"wrong type", strings.Replace(cosign, "cosign container image signature", "other", 1), "", "Unrecognized signature type other", false},
		{"invalid digest", string(cosignPayload("sha256:abc", "example.com/ns/app")), "", "invalid docker-manifest-digest value", false},
		{"reference not a string", strings.Replace(cosign, `"example.com/ns/app"`, `5`, 1), "", "cannot unmarshal number", false},
		{"fractional timestamp", strings.Replace(cosign, `"optional":null`, `"optional":{"timestamp":1.5}`, 1), "", "optional.timestamp is not an integer", false},
		{"creator not a string", strings.Replace(cosign, `"optional":null`, `"optional":{"creator":1}`, 1), "", "cannot unmarshal number", false},
		{"optional not an object", strings.Replace(cosign, `"optional":null`, `"optional":[]`, 1), "", "JSON object expected", false},
		{"control character in the layout", strings.Replace(cosign, "example.com/ns/app", "example.com/ns/\x01app", 1), "", "invalid character", false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			_, layout := parseCosignLayout([]byte(tc.payload))
			if layout != tc.layout {
				t.Errorf("layout recognised = %v, want %v", layout, tc.layout)
			}
			got, err := parsePayload([]byte(tc.payload))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.dockerReference != tc.ref || got.manifestDigest != payloadDigest {
				t.Errorf("got %+v", got)
			}
		})
	}
}

// FuzzPayload: parsing never panics; the layout shortcut agrees with the
// strict parser whenever it answers; and a payload changed after signing is
// never accepted by the verifier.
func FuzzPayload(f *testing.F) {
	signed := cosignPayload(payloadDigest, "example.com/ns/app")
	f.Add(signed)
	f.Add([]byte(strings.Replace(string(signed), `"optional":null`, `"optional":{"creator":"c","timestamp":1}`, 1)))
	f.Add([]byte(`{"critical":{},"optional":null}`))
	key := newTestKey(f, "ecdsa")
	sig := key.sign(f, signed)
	v, err := NewSigstoreVerifier(&node.SigstoreRequirement{Root: node.PublicKeyRoot{Keys: node.PEMData(key.pubPEM)}, SignedIdentity: node.Identity{Type: node.MatchRepository}})
	if err != nil {
		f.Fatal(err)
	}
	image := mustNamed(f, "example.com/ns/app:v1")
	f.Fuzz(func(t *testing.T, payload []byte) {
		strict, strictErr := strictClaims(payload)
		if fast, ok := parseCosignLayout(payload); ok && (strictErr != nil || fast != strict) {
			t.Fatalf("layout %+v, strict %+v (%v)", fast, strict, strictErr)
		}
		res := v.EvaluateAt(time.Now(), image, digest.Digest(payloadDigest), []UntrustedSignature{layer(payload, map[string]string{trust.SignatureAnnotation: sig})})
		if res.Allowed && !bytes.Equal(payload, signed) {
			t.Fatalf("accepted a payload that was not signed: %q", payload)
		}
	})
}
