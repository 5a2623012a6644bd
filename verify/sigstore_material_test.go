package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/url"
	"testing"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	digest "github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

// Fresh signing material made in memory for each test: keys, a small CA
// hierarchy issuing Fulcio-like and PKI leaves, and a Rekor log key that
// signs SETs. Everything is real cryptography.

type testKey struct {
	signer crypto.Signer
	pubPEM []byte
}

func newTestKey(t testing.TB, kind string) *testKey {
	t.Helper()
	var s crypto.Signer
	var err error
	switch kind {
	case "ecdsa":
		s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		s, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ed25519":
		_, s, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(s.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{signer: s, pubPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}
}

// sign returns the base64 cosign signature of payload (SHA-256; ed25519
// signs the message itself).
func (k *testKey) sign(t testing.TB, payload []byte) string {
	t.Helper()
	var sig []byte
	var err error
	if _, ok := k.signer.(ed25519.PrivateKey); ok {
		sig, err = k.signer.Sign(rand.Reader, payload, crypto.Hash(0))
	} else {
		h := sha256.Sum256(payload)
		sig, err = k.signer.Sign(rand.Reader, h[:], crypto.SHA256)
	}
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// cosignPayload is what `cosign sign` writes.
func cosignPayload(manifestDigest digest.Digest, identity string) []byte {
	return fmt.Appendf(nil, `{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":"cosign container image signature"},"optional":null}`,
		identity, manifestDigest)
}

// testManifest is a small OCI manifest; its digest is what signatures name.
var testManifest = []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)

// setEntry describes the log entry a test SET records; zero fields take the
// signature's real values.
type setEntry struct {
	keyOrCertPEM   []byte
	signature      string // base64
	payload        []byte
	integratedTime int64
	// body, when set, replaces the whole hashedrekord body.
	body []byte
	// hashAlgorithm overrides "sha256".
	hashAlgorithm string
	apiVersion    string
}

type testRekor struct{ key *testKey }

func newTestRekor(t testing.TB) *testRekor { return &testRekor{key: newTestKey(t, "ecdsa")} }

// set returns a SET annotation for e, signed by the log key.
func (r *testRekor) set(t testing.TB, e setEntry) string {
	t.Helper()
	body := e.body
	if body == nil {
		alg, version := e.hashAlgorithm, e.apiVersion
		if alg == "" {
			alg = "sha256"
		}
		if version == "" {
			version = "0.0.1"
		}
		sig, err := base64.StdEncoding.DecodeString(e.signature)
		if err != nil {
			sig = []byte(e.signature)
		}
		h := sha256.Sum256(e.payload)
		body = mustJSON(t, map[string]any{
			"apiVersion": version,
			"kind":       "hashedrekord",
			"spec": map[string]any{
				"data":      map[string]any{"hash": map[string]any{"algorithm": alg, "value": hex.EncodeToString(h[:])}},
				"signature": map[string]any{"content": sig, "publicKey": map[string]any{"content": e.keyOrCertPEM}},
			},
		})
	}
	payload := mustJSON(t, map[string]any{
		"body":           body,
		"integratedTime": e.integratedTime,
		"logIndex":       42,
		"logID":          "c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d",
	})
	canonical, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(canonical)
	sig, err := ecdsa.SignASN1(rand.Reader, r.key.signer.(*ecdsa.PrivateKey), h[:])
	if err != nil {
		t.Fatal(err)
	}
	return string(mustJSON(t, map[string]any{"SignedEntryTimestamp": sig, "Payload": json.RawMessage(payload)}))
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testCA is a root and an intermediate issuing code-signing leaves.
type testCA struct {
	rootPEM, intermediatePEM []byte
	root, intermediate       *x509.Certificate
	intermediateKey          crypto.Signer
}

var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

func newTestCA(t testing.TB, notBefore, notAfter time.Time) *testCA {
	t.Helper()
	rootKey := newTestKey(t, "ecdsa").signer
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}
	root := createCert(t, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	intKey := newTestKey(t, "ecdsa").signer
	intTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test intermediate"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	intermediate := createCert(t, intTmpl, root, intKey.Public(), rootKey)
	return &testCA{
		rootPEM: certPEM(root), intermediatePEM: certPEM(intermediate),
		root: root, intermediate: intermediate, intermediateKey: intKey,
	}
}

// leafSpec describes a leaf certificate; zero values get defaults.
type leafSpec struct {
	emails    []string
	dnsNames  []string
	issuerV1  string
	issuerV2  string
	notBefore time.Time
	notAfter  time.Time
	noCodeSig bool
}

// leaf issues a leaf for key under the intermediate.
func (ca *testCA) leaf(t testing.TB, key *testKey, spec leafSpec) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    spec.notBefore, NotAfter: spec.notAfter,
		EmailAddresses: spec.emails, DNSNames: spec.dnsNames,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	if spec.noCodeSig {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	if spec.issuerV1 != "" {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidIssuerV1, Value: []byte(spec.issuerV1)})
	}
	if spec.issuerV2 != "" {
		v, err := asn1.Marshal(spec.issuerV2)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidIssuerV2, Value: v})
	}
	if len(spec.emails) == 0 && len(spec.dnsNames) == 0 {
		tmpl.URIs = []*url.URL{{Scheme: "https", Host: "example.com", Path: "/workflow"}}
	}
	return certPEM(createCert(t, tmpl, ca.intermediate, key.signer.Public(), ca.intermediateKey))
}

// chain is the chain annotation: intermediate then root.
func (ca *testCA) chain() []byte {
	return append(append([]byte{}, ca.intermediatePEM...), ca.rootPEM...)
}

func createCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// layer builds a signature layer from a payload and annotations.
func layer(payload []byte, annotations map[string]string) UntrustedSignature {
	return UntrustedSignature{MediaType: trust.SimpleSigningMediaType, Payload: payload, Annotations: annotations,
		LayerDigest: digest.FromBytes(payload).String()}
}

// fulcioFixture is a Fulcio + Rekor setup logged at a fixed time: a CA and a
// foreign CA, a log, a signing key and its signed cosign payload, a
// 10-minute leaf spec around the log time, and the requirement trusting ca.
type fulcioFixture struct {
	md          digest.Digest
	logged      time.Time
	ca, otherCA *testCA
	rekor       *testRekor
	key         *testKey
	payload     []byte
	sig         string
	spec        leafSpec
	req         *node.SigstoreRequirement
}

func newFulcioFixture(t testing.TB) fulcioFixture {
	t.Helper()
	f := fulcioFixture{md: digest.FromBytes(testManifest), logged: time.Date(2023, 3, 1, 12, 0, 0, 0, time.UTC)}
	f.ca = newTestCA(t, f.logged.Add(-24*time.Hour), f.logged.Add(365*24*time.Hour))
	f.otherCA = newTestCA(t, f.logged.Add(-24*time.Hour), f.logged.Add(365*24*time.Hour))
	f.rekor = newTestRekor(t)
	f.key = newTestKey(t, "ecdsa")
	f.payload = cosignPayload(f.md, genRepo)
	f.sig = f.key.sign(t, f.payload)
	f.spec = leafSpec{emails: []string{genEmail}, issuerV1: genIssuer, issuerV2: genIssuer,
		notBefore: f.logged.Add(-5 * time.Minute), notAfter: f.logged.Add(5 * time.Minute)}
	f.req = &node.SigstoreRequirement{
		Root: node.FulcioRoot{CA: node.PEMData(f.ca.rootPEM), OIDCIssuer: genIssuer, SubjectEmail: genEmail,
			Rekor: node.PEMData(f.rekor.key.pubPEM)},
		SignedIdentity: node.Identity{Type: node.MatchRepository},
	}
	return f
}
