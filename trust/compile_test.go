package trust

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures/material"
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
	fulcio := func(ca node.CertSource, issuer, email string, rekor node.KeySource) node.FulcioRoot {
		return node.FulcioRoot{CA: ca, OIDCIssuer: issuer, SubjectEmail: email, Rekor: rekor}
	}
	tests := []struct {
		desc  string
		root  node.SigstoreRoot
		kind  RootKind
		rekor bool
		err   string
	}{
		{"key file", node.PublicKeyRoot{Keys: node.PEMPath(keyFile)}, RootPublicKeys, false, ""},
		{"key data of every supported type", node.PublicKeyRoot{Keys: node.PEMDatas{ec, rsaKey, ed}}, RootPublicKeys, false, ""},
		{"keys and Rekor", node.PublicKeyRoot{Keys: node.PEMPaths{keyFile}, Rekor: node.PEMDatas{ec, ec}}, RootPublicKeys, true, ""},
		{"empty key list", node.PublicKeyRoot{Keys: node.PEMDatas{}}, RootPublicKeys, false, ""},
		{"Fulcio and Rekor", fulcio(node.PEMData(ca), "https://issuer", "a@b", node.PEMData(ec)), RootFulcio, true, ""},
		{"PKI", node.PKIRoot{CARoots: node.PEMData(ca), CAIntermediates: node.PEMData(ca), SubjectHostname: "h"}, RootPKI, false, ""},
		{"no root", nil, "", false, "without a root of trust"},
		{"a pointer to a root", &node.PKIRoot{CARoots: node.PEMData(ca), SubjectHostname: "h"}, "", false, "unsupported root of trust *node.PKIRoot"},
		{"no keys", node.PublicKeyRoot{Rekor: node.PEMData(ec)}, "", false, "no public keys configured"},
		{"unreadable key file", node.PublicKeyRoot{Keys: node.PEMPath(filepath.Join(dir, "missing.pub"))}, "", false, "no such file or directory"},
		{"unreadable file among key paths", node.PublicKeyRoot{Keys: node.PEMPaths{keyFile, filepath.Join(dir, "missing.pub")}}, "", false, "no such file or directory"},
		{"key not PEM", node.PublicKeyRoot{Keys: node.PEMData("nope")}, "", false, "parsing public key 1: PEM decoding failed"},
		{"second key not PEM", node.PublicKeyRoot{Keys: node.PEMDatas{ec, []byte("nope")}}, "", false, "parsing public key 2: PEM decoding failed"},
		{"Rekor key RSA", node.PublicKeyRoot{Keys: node.PEMData(ec), Rekor: node.PEMDatas{ec, rsaKey}}, "", false, "Rekor public key 2 is not using ECDSA"},
		{"Rekor key not PEM", node.PublicKeyRoot{Keys: node.PEMData(ec), Rekor: node.PEMData("x")}, "", false, "parsing Rekor public key 1"},
		{"key not PEM before Rekor key RSA", node.PublicKeyRoot{Keys: node.PEMData("nope"), Rekor: node.PEMData(rsaKey)}, "", false, "parsing public key 1: PEM decoding failed"},
		{"Fulcio without Rekor", fulcio(node.PEMData(ca), "i", "e", nil), "", false, "no Rekor public keys configured"},
		{"Fulcio without CA", fulcio(nil, "i", "e", node.PEMData(ec)), "", false, "no Fulcio CA certificates configured"},
		{"Fulcio CA not a certificate", fulcio(node.PEMData(ec), "i", "e", node.PEMData(ec)), "", false, "error loading Fulcio CA certificates"},
		{"Fulcio CA not a certificate before Rekor key RSA", fulcio(node.PEMData(ec), "i", "e", node.PEMData(rsaKey)), "", false, "error loading Fulcio CA certificates"},
		{"Fulcio CA file unreadable", fulcio(node.PEMPath(filepath.Join(dir, "missing.pem")), "i", "e", node.PEMData(ec)), "", false, "no such file or directory"},
		{"Fulcio without issuer", fulcio(node.PEMData(ca), "", "e", node.PEMData(ec)), "", false, "without OIDC issuer"},
		{"Fulcio without email", fulcio(node.PEMData(ca), "i", "", node.PEMData(ec)), "", false, "without subject email"},
		{"PKI without roots", node.PKIRoot{SubjectEmail: "a@b"}, "", false, "no PKI CA roots configured"},
		{"PKI roots not certificates", node.PKIRoot{CARoots: node.PEMData(ec), SubjectEmail: "a@b"}, "", false, "error loading PKI CA Roots certificates"},
		{"PKI intermediates not certificates", node.PKIRoot{CARoots: node.PEMData(ca), CAIntermediates: node.PEMData("x"), SubjectEmail: "a@b"}, "", false, "loading trusted intermediate certificates"},
		{"PKI intermediates file unreadable", node.PKIRoot{CARoots: node.PEMData(ca), CAIntermediates: node.PEMPath(filepath.Join(dir, "missing.pem")), SubjectEmail: "a@b"}, "", false, "no such file or directory"},
		{"PKI without subject", node.PKIRoot{CARoots: node.PEMData(ca)}, "", false, "without subject email or subject hostname"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := Compile(&node.SigstoreRequirement{Root: tc.root})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rekor bool
			switch r := s.root.(type) {
			case *publicKeysRoot:
				rekor = r.rekor != nil
			case *fulcioRoot:
				rekor = r.rekor != nil
			}
			if s.Kind() != tc.kind || rekor != tc.rekor {
				t.Errorf("kind %q rekor %v, want %q %v", s.Kind(), rekor, tc.kind, tc.rekor)
			}
		})
	}
}

// signedPayload is a payload signed with a deterministic ECDSA key, and the
// hashedrekord body a log would record for it.
type signedPayload struct {
	signer       *material.KeyPair
	payload, sig []byte
	body         []byte
}

func newSignedPayload(t *testing.T, seed []byte) signedPayload {
	t.Helper()
	signer, err := material.NewKeyPair(seed, "signer", material.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("payload")
	sig, err := signer.SignDeterministic(payload)
	if err != nil {
		t.Fatal(err)
	}
	body, err := material.Body(material.Entry{KeyOrCertPEM: signer.PublicPEM(), Signature: sig, PayloadHash: sha256.Sum256(payload)})
	if err != nil {
		t.Fatal(err)
	}
	return signedPayload{signer: signer, payload: payload, sig: sig, body: body}
}

// TestEmptyListsTrustNothing: an empty key or Rekor key list, which the
// parser refuses, compiles into a root that authenticates no signature. The
// SET is valid for the log's key, so only the empty list can refuse it.
func TestEmptyListsTrustNothing(t *testing.T) {
	seed := []byte("empty lists")
	log, err := material.NewLog(seed, "log")
	if err != nil {
		t.Fatal(err)
	}
	s := newSignedPayload(t, seed)
	signer, payload, sig := s.signer, s.payload, s.sig
	set, err := log.DeterministicSET(s.body, 1700000000, 42)
	if err != nil {
		t.Fatal(err)
	}
	pub := signer.PublicPEM()
	annotations := map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig), SETAnnotation: string(set)}
	for _, tc := range []struct {
		desc  string
		root  node.PublicKeyRoot
		check Check
	}{
		{"the signing key", node.PublicKeyRoot{Keys: node.PEMData(pub)}, ""},
		{"the signing key and the log's key", node.PublicKeyRoot{Keys: node.PEMData(pub), Rekor: node.PEMData(log.PublicPEM())}, ""},
		{"no keys", node.PublicKeyRoot{Keys: node.PEMDatas{}}, CheckSignature},
		{"no key paths", node.PublicKeyRoot{Keys: node.PEMPaths{}}, CheckSignature},
		{"no Rekor keys", node.PublicKeyRoot{Keys: node.PEMData(pub), Rekor: node.PEMDatas{}}, CheckRekorSET},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			s, err := Compile(&node.SigstoreRequirement{Root: tc.root})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Authenticate(payload, annotations, time.Now())
			var f *Failure
			switch {
			case tc.check == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.check != "" && (!errors.As(err, &f) || f.Check != tc.check):
				t.Fatalf("error %v, want a %s failure", err, tc.check)
			}
		})
	}
}
