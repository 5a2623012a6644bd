package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

type chainFixture struct {
	roots        *x509.CertPool
	root, inter  *x509.Certificate
	interKey     crypto.Signer
	notBefore    time.Time
	intermediate []byte // PEM
}

func newKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newChain makes root → intermediate, valid for a day from start; rootMod
// may add constraints to the root.
func newChain(t *testing.T, start time.Time, rootMod func(*x509.Certificate)) chainFixture {
	t.Helper()
	rootKey, interKey := newKey(t), newKey(t)
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "root"}, NotBefore: start, NotAfter: start.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	if rootMod != nil {
		rootMod(rootTmpl)
	}
	root := issue(t, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	inter := issue(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "intermediate"}, NotBefore: start, NotAfter: start.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, root, interKey.Public(), rootKey)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	return chainFixture{roots: roots, root: root, inter: inter, interKey: interKey, notBefore: start,
		intermediate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: inter.Raw})}
}

func (c chainFixture) leaf(t *testing.T, usage x509.ExtKeyUsage) *x509.Certificate {
	t.Helper()
	return issue(t, &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: c.notBefore, NotAfter: c.notBefore.Add(time.Hour),
		EmailAddresses: []string{"a@example.com"}, ExtKeyUsage: []x509.ExtKeyUsage{usage}}, c.inter, newKey(t).Public(), c.interKey)
}

func TestAnchorsRememberVerifiedIntermediates(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	c := newChain(t, start, nil)
	a := &anchors{}
	at := start.Add(30 * time.Minute)
	if _, err := a.verify(c.leaf(t, x509.ExtKeyUsageCodeSigning), []*x509.Certificate{c.inter}, nil, nil, c.roots, at, ""); err != nil {
		t.Fatal(err)
	}
	if a.count.Load() != 1 {
		t.Fatalf("remembered %d intermediates, want 1", a.count.Load())
	}
	tests := []struct {
		desc     string
		leaf     *x509.Certificate
		at       time.Time
		shortcut bool
	}{
		{"another code-signing leaf of the intermediate", c.leaf(t, x509.ExtKeyUsageCodeSigning), at, true},
		{"a leaf not for code signing", c.leaf(t, x509.ExtKeyUsageServerAuth), at, false},
		{"after the leaf expired", c.leaf(t, x509.ExtKeyUsageCodeSigning), start.Add(2 * time.Hour), false},
		{"after the root expired", c.leaf(t, x509.ExtKeyUsageCodeSigning), start.Add(25 * time.Hour), false},
		{"a leaf of another CA with the same names", newChain(t, start, nil).leaf(t, x509.ExtKeyUsageCodeSigning), at, false},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			if got := a.shortcut(tc.leaf, []*x509.Certificate{c.inter}, tc.at) != nil; got != tc.shortcut {
				t.Fatalf("shortcut = %v, want %v", got, tc.shortcut)
			}
			_, full := tc.leaf.Verify(x509.VerifyOptions{Roots: c.roots, Intermediates: poolOf(c.inter), CurrentTime: tc.at, KeyUsages: codeSigning})
			_, err := a.verify(tc.leaf, []*x509.Certificate{c.inter}, nil, nil, c.roots, tc.at, "")
			if (err == nil) != (full == nil) {
				t.Fatalf("verify error %v, crypto/x509 error %v", err, full)
			}
		})
	}
}

func TestAnchorsSkipConstrainedRoots(t *testing.T) {
	start := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		desc string
		mod  func(*x509.Certificate)
	}{
		{"name constraints", func(r *x509.Certificate) { r.PermittedEmailAddresses = []string{"example.com"} }},
		{"policy constraints", func(r *x509.Certificate) {
			// policyConstraints (2.5.29.36): requireExplicitPolicy 5.
			r.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 36}, Critical: true, Value: []byte{0x30, 0x03, 0x80, 0x01, 0x05}}}
		}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := newChain(t, start, tc.mod)
			a := &anchors{}
			if _, err := a.verify(c.leaf(t, x509.ExtKeyUsageCodeSigning), []*x509.Certificate{c.inter}, nil, nil, c.roots, start.Add(time.Minute), ""); err != nil {
				t.Fatal(err)
			}
			if a.count.Load() != 0 {
				t.Fatal("remembered an intermediate under a constrained root")
			}
		})
	}
}

func poolOf(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestParseCertificatesMatchesCryptoutils: the memoising parser accepts and
// rejects exactly what cryptoutils.UnmarshalCertificatesFromPEM does.
func TestParseCertificatesMatchesCryptoutils(t *testing.T) {
	c := newChain(t, time.Now(), nil)
	rootPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.root.Raw})
	a := &anchors{}
	a.parsed.Store(sha256.Sum256(c.inter.Raw), c.inter)
	for _, tc := range []struct {
		desc string
		in   []byte
	}{
		{"empty", nil},
		{"whitespace", []byte(" \n")},
		{"one remembered", c.intermediate},
		{"remembered then parsed", append(append([]byte{}, c.intermediate...), rootPEM...)},
		{"junk before", append([]byte("junk\n"), rootPEM...)},
		{"junk after", append(append([]byte{}, rootPEM...), []byte("junk")...)},
		{"not a certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})},
		{"not PEM", []byte("nope")},
		{"other PEM type", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: c.root.Raw})},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			want, wantErr := cryptoutils.UnmarshalCertificatesFromPEM(tc.in)
			got, err := a.parseCertificates(tc.in)
			if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
				t.Fatalf("error %v, cryptoutils %v", err, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("%d certificates, cryptoutils %d", len(got), len(want))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i].Raw, want[i].Raw) {
					t.Errorf("certificate %d differs", i)
				}
			}
		})
	}
}
