package policy

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTrustMaterialErrors(t *testing.T) {
	garbage := base64.StdEncoding.EncodeToString([]byte("-----BEGIN PUBLIC KEY-----\nZ2FyYmFnZSBnYXJiYWdlIGdhcmJhZ2UgZ2FyYmFnZQ==\n-----END PUBLIC KEY-----\n"))
	garbageCert := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nZ2FyYmFnZSBnYXJiYWdlIGdhcmJhZ2UgZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n"))
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(edPub)
	if err != nil {
		t.Fatal(err)
	}
	edKey := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	withRekor := strings.Replace(cip("a", "example.com"), "keyData: "+testKey, "keyData: "+edKey+"\n        rekorKeyData: "+edKey, 1)
	fulcio := strings.Replace(cip("a", "example.com"), "policyType: PublicKey\n      publicKey:\n        keyData: "+testKey,
		"policyType: FulcioCAWithRekor\n      fulcioCAWithRekor:\n        fulcioCAData: "+garbageCert+"\n        rekorKeyData: "+garbage+
			"\n        fulcioSubject: {oidcIssuer: \"https://issuer.example\", signedEmail: a@example.com}", 1)
	tests := []struct {
		desc      string
		input     string
		wantField string
		wantMsg   string
	}{
		{"garbage between the markers", strings.Replace(cip("a", "example.com"), testKey, garbage, 1),
			"spec.policy.rootOfTrust.publicKey.keyData", "unusable on the node"},
		{"Rekor key that is not ECDSA", withRekor, "spec.policy.rootOfTrust.publicKey.rekorKeyData", "Rekor public key is not using ECDSA"},
		{"Fulcio CA garbage", fulcio, "spec.policy.rootOfTrust.fulcioCAWithRekor.fulcioCAData", "error loading Fulcio CA certificates"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			set := loadValid(t, tc.input) // the API server's rules accept it
			for _, e := range set.Objects[0].TrustMaterialErrors() {
				if e.Field() == tc.wantField && strings.Contains(e.Error(), tc.wantMsg) {
					return
				}
			}
			t.Fatalf("errors = %v, want one on %s containing %q", set.Objects[0].TrustMaterialErrors(), tc.wantField, tc.wantMsg)
		})
	}
}

func TestTrustMaterialOfExamples(t *testing.T) {
	set, err := Load(filepath.Join("..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Objects) != 6 {
		t.Fatalf("%d examples, want 6", len(set.Objects))
	}
	for _, o := range set.Objects {
		if errs := append(o.Errors(), o.TrustMaterialErrors()...); len(errs) > 0 {
			t.Errorf("%s %s: %v", o.Kind, o.Ref(), errs)
		}
	}
	if _, err := os.Stat(filepath.Join("..", "examples", "NOTICE")); err != nil {
		t.Errorf("examples lack their provenance NOTICE: %v", err)
	}
}
