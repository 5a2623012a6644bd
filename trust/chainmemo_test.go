package trust

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

func pemOf(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func selfSigned(t *testing.T, name string, from, to time.Time) *x509.Certificate {
	t.Helper()
	k := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: from, NotAfter: to,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	return issue(t, tmpl, tmpl, k.Public(), k)
}

// TestCertMemoReusesOnlyRepeatableVerifications: a remembered success is
// reused exactly while every certificate the verification could examine —
// including roots the accepted chain does not use — keeps its validity
// state, and every evaluation, remembered or not, equals a full one.
func TestCertMemoReusesOnlyRepeatableVerifications(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newChain(t, start, nil) // root and intermediate valid for a day
	earlyRoot := selfSigned(t, "early root", start, start.Add(6*time.Hour))
	lateRoot := selfSigned(t, "late root", start.Add(12*time.Hour), start.Add(48*time.Hour))
	signer := newKey(t)
	leaf := issue(t, &x509.Certificate{SerialNumber: big.NewInt(3), NotBefore: start, NotAfter: start.Add(18 * time.Hour),
		EmailAddresses: []string{"a@example.com"}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, c.inter, signer.Public(), c.interKey)
	payload := []byte("payload")
	digest := sha256.Sum256(payload)
	sig, err := signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	leafPEM, chainPEM := pemOf(leaf), pemOf(c.inter, c.root)
	annotations := map[string]string{SignatureAnnotation: base64.StdEncoding.EncodeToString(sig),
		CertificateAnnotation: string(leafPEM), ChainAnnotation: string(chainPEM)}
	req := &node.SigstoreRequirement{Root: node.PKIRoot{CARoots: node.PEMData(pemOf(c.root, earlyRoot, lateRoot)), SubjectEmail: "a@example.com"}}
	verifiedAt := start.Add(time.Hour)

	for _, tc := range []struct {
		desc     string
		at       time.Time
		hit      bool
		accepted bool
	}{
		{"when first verified", verifiedAt, true, true},
		{"at the leaf's NotBefore", start, true, true},
		{"at an unused root's NotAfter", earlyRoot.NotAfter, true, true},
		{"after an unused root expired", earlyRoot.NotAfter.Add(time.Nanosecond), false, true},
		{"once an unused root is valid", lateRoot.NotBefore, false, true},
		{"before the leaf is valid", start.Add(-time.Nanosecond), false, false},
		{"after the leaf expired", leaf.NotAfter.Add(time.Second), false, false},
		{"at the zero time (crypto/x509 reads the clock)", time.Time{}, false, false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			warm, err := Compile(req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := warm.Authenticate(payload, annotations, verifiedAt); err != nil {
				t.Fatal(err)
			}
			if hit := warm.root.(*pkiRoot).memo.lookup(newCertKey(leafPEM, chainPEM), tc.at) != nil; hit != tc.hit {
				t.Fatalf("memo hit = %v, want %v", hit, tc.hit)
			}
			got, gotErr := warm.Authenticate(payload, annotations, tc.at)
			fresh, err := Compile(req)
			if err != nil {
				t.Fatal(err)
			}
			want, wantErr := fresh.Authenticate(payload, annotations, tc.at)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
				t.Fatalf("remembered %+v, %v\n      full %+v, %v", got, gotErr, want, wantErr)
			}
			if (gotErr == nil) != tc.accepted {
				t.Fatalf("accepted = %v (%v), want %v", gotErr == nil, gotErr, tc.accepted)
			}
		})
	}
}

func TestCertMemoIsBounded(t *testing.T) {
	m := newCertMemo()
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var last certKey
	for i := range maxVerifiedCertificates + 1 {
		last = newCertKey([]byte{byte(i), byte(i >> 8)}, nil)
		m.store(last, at, &verifiedCert{})
		if n := m.entries.Len(); n > maxVerifiedCertificates {
			t.Fatalf("%d entries after %d stores", n, i+1)
		}
	}
	if m.entries.Len() != 1 || m.lookup(last, at) == nil {
		t.Fatalf("a full memo is not emptied before storing: %d entries", m.entries.Len())
	}
}

// TestCertKeySeparatesAnnotations: moving bytes between the certificate
// and the chain annotation changes the key.
func TestCertKeySeparatesAnnotations(t *testing.T) {
	if newCertKey([]byte("ab"), []byte("c")) == newCertKey([]byte("a"), []byte("bc")) {
		t.Fatal("keys collide")
	}
}

// TestPoolCertificatesMatchesAppendCertsFromPEM: the roots listed for the
// memo are exactly those the pool holds.
func TestPoolCertificatesMatchesAppendCertsFromPEM(t *testing.T) {
	c := newChain(t, time.Now(), nil)
	withHeaders := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"a": "b"}, Bytes: c.inter.Raw})
	for _, tc := range []struct {
		desc string
		in   []byte
	}{
		{"empty", nil},
		{"two certificates", pemOf(c.root, c.inter)},
		{"junk between", bytes.Join([][]byte{pemOf(c.root), []byte("junk\n"), pemOf(c.inter)}, nil)},
		{"headers are skipped", append(pemOf(c.root), withHeaders...)},
		{"other types are skipped", append(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: c.inter.Raw}), pemOf(c.root)...)},
		{"unparsable certificates are skipped", append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), pemOf(c.inter)...)},
		{"stops at non-PEM", append([]byte("-----BEGIN CERTIFICATE-----\nnope"), pemOf(c.root)...)},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			want := x509.NewCertPool()
			want.AppendCertsFromPEM(tc.in)
			got := x509.NewCertPool()
			for _, cert := range poolCertificates(tc.in) {
				got.AddCert(cert)
			}
			if !got.Equal(want) {
				t.Fatal("listed certificates differ from the pool's")
			}
		})
	}
}
