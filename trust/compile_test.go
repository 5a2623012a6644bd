package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

func publicKeyPEM(t *testing.T, kind string) []byte {
	t.Helper()
	var pub any
	switch kind {
	case "ecdsa":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = k.Public()
	case "rsa":
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pub = k.Public()
	case "ed25519":
		p, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub = p
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now(),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestCompile(t *testing.T) {
	ec, rsaKey, ed := publicKeyPEM(t, "ecdsa"), publicKeyPEM(t, "rsa"), publicKeyPEM(t, "ed25519")
	ca := selfSignedPEM(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pub")
	if err := os.WriteFile(keyFile, ec, 0o644); err != nil {
		t.Fatal(err)
	}
	fulcio := &node.FulcioRoot{CAData: ca, OIDCIssuer: "https://issuer", SubjectEmail: "a@b"}
	tests := []struct {
		desc  string
		req   *node.SigstoreRequirement
		kind  RootKind
		rekor bool
		err   string
	}{
		{"key file", &node.SigstoreRequirement{KeyPath: keyFile}, RootPublicKeys, false, ""},
		{"key data of every supported type", &node.SigstoreRequirement{KeyDatas: [][]byte{ec, rsaKey, ed}}, RootPublicKeys, false, ""},
		{"keys and Rekor", &node.SigstoreRequirement{KeyPaths: []string{keyFile}, RekorPublicKeyDatas: [][]byte{ec, ec}}, RootPublicKeys, true, ""},
		{"Fulcio and Rekor", &node.SigstoreRequirement{Fulcio: fulcio, RekorPublicKeyData: ec}, RootFulcio, true, ""},
		{"PKI", &node.SigstoreRequirement{PKI: &node.PKIRoot{CARootsData: ca, CAIntermediatesData: ca, SubjectHostname: "h"}}, RootPKI, false, ""},
		{"nothing", &node.SigstoreRequirement{}, "", false, "exactly one of public key, Fulcio, or PKI"},
		{"keys and Fulcio", &node.SigstoreRequirement{KeyData: ec, Fulcio: fulcio, RekorPublicKeyData: ec}, "", false, "exactly one of public key, Fulcio, or PKI"},
		{"two key sources", &node.SigstoreRequirement{KeyData: ec, KeyPath: keyFile}, "", false, `more than one of "keyPath", "keyPaths", "keyData", "keyDatas"`},
		{"empty key list", &node.SigstoreRequirement{KeyDatas: [][]byte{}}, "", false, "produced no public keys"},
		{"unreadable key file", &node.SigstoreRequirement{KeyPath: filepath.Join(dir, "missing.pub")}, "", false, "no such file or directory"},
		{"unreadable file among key paths", &node.SigstoreRequirement{KeyPaths: []string{keyFile, filepath.Join(dir, "missing.pub")}}, "", false, "no such file or directory"},
		{"key not PEM", &node.SigstoreRequirement{KeyData: []byte("nope")}, "", false, "parsing public key 1: PEM decoding failed"},
		{"second key not PEM", &node.SigstoreRequirement{KeyDatas: [][]byte{ec, []byte("nope")}}, "", false, "parsing public key 2: PEM decoding failed"},
		{"Rekor key RSA", &node.SigstoreRequirement{KeyData: ec, RekorPublicKeyDatas: [][]byte{ec, rsaKey}}, "", false, "Rekor public key 2 is not using ECDSA"},
		{"Rekor key not PEM", &node.SigstoreRequirement{KeyData: ec, RekorPublicKeyData: []byte("x")}, "", false, "parsing Rekor public key 1"},
		{"Fulcio without Rekor", &node.SigstoreRequirement{Fulcio: fulcio}, "", false, "Fulcio CA specified without a Rekor public key"},
		{"PKI with Rekor", &node.SigstoreRequirement{PKI: &node.PKIRoot{CARootsData: ca, SubjectEmail: "a@b"}, RekorPublicKeyData: ec}, "", false, "PKI specified with a Rekor public key"},
		{"Fulcio CA not a certificate", &node.SigstoreRequirement{Fulcio: &node.FulcioRoot{CAData: ec, OIDCIssuer: "i", SubjectEmail: "e"}, RekorPublicKeyData: ec}, "", false, "error loading Fulcio CA certificates"},
		{"Fulcio without issuer", &node.SigstoreRequirement{Fulcio: &node.FulcioRoot{CAData: ca, SubjectEmail: "e"}, RekorPublicKeyData: ec}, "", false, "without OIDC issuer"},
		{"Fulcio without email", &node.SigstoreRequirement{Fulcio: &node.FulcioRoot{CAData: ca, OIDCIssuer: "i"}, RekorPublicKeyData: ec}, "", false, "without subject email"},
		{"Fulcio with path and data", &node.SigstoreRequirement{Fulcio: &node.FulcioRoot{CAPath: keyFile, CAData: ca, OIDCIssuer: "i", SubjectEmail: "e"}, RekorPublicKeyData: ec}, "", false, `both "caPath" and "caData"`},
		{"PKI roots not certificates", &node.SigstoreRequirement{PKI: &node.PKIRoot{CARootsData: ec, SubjectEmail: "a@b"}}, "", false, "error loading PKI CA Roots certificates"},
		{"PKI intermediates not certificates", &node.SigstoreRequirement{PKI: &node.PKIRoot{CARootsData: ca, CAIntermediatesData: []byte("x"), SubjectEmail: "a@b"}}, "", false, "loading trusted intermediate certificates"},
		{"PKI without subject", &node.SigstoreRequirement{PKI: &node.PKIRoot{CARootsData: ca}}, "", false, "without subject email or subject hostname"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := Compile(tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind() != tc.kind || s.UsesRekor() != tc.rekor {
				t.Errorf("kind %q rekor %v, want %q %v", s.Kind(), s.UsesRekor(), tc.kind, tc.rekor)
			}
		})
	}
}
