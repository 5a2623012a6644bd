package verify

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"reflect"
	"sync"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

// A verifier that already accepted a certificate remembers it (see the trust
// package). These tests warm a verifier with accepted signatures, then
// require its decision on a later evaluation to be exactly the decision of a
// freshly compiled verifier that remembers nothing — same verdict, code,
// message, checks and ValidUntil — and, where the library can judge the same
// input, the library's verdict.

// memoEval is one evaluation: signature layers judged at a time.
type memoEval struct {
	at   time.Time
	sigs []UntrustedSignature
}

// libraryCheck says how much of a case the library can judge: PKI chains
// are verified at the library's own clock, so only evaluations at the real
// current time can be compared, and a message naming that time only by
// verdict.
type libraryCheck int

const (
	noLibrary libraryCheck = iota
	libraryVerdictOnly
	libraryMessage
)

type memoCase struct {
	desc    string
	req     *node.SigstoreRequirement
	warm    []memoEval // the first must be allowed
	check   memoEval
	allowed bool
	code    Reason
	library libraryCheck
}

func runMemoCases(t *testing.T, cases []memoCase) {
	t.Helper()
	md := digest.FromBytes(testManifest)
	image := mustNamed(t, genRef)
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			warm, err := NewSigstoreVerifier(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			for i, w := range tc.warm {
				if res := warm.EvaluateAt(w.at, image, md, w.sigs); i == 0 && !res.Allowed {
					t.Fatalf("first warm-up denied: %s", res.Reason)
				}
			}
			got := warm.EvaluateAt(tc.check.at, image, md, tc.check.sigs)
			fresh, err := NewSigstoreVerifier(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			want := fresh.EvaluateAt(tc.check.at, image, md, tc.check.sigs)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("after warm-up:\n got %+v\nfresh %+v", got, want)
			}
			if got.Allowed != tc.allowed || got.Code != tc.code {
				t.Fatalf("allowed %v code %q (%s), want %v %q", got.Allowed, got.Code, got.Reason, tc.allowed, tc.code)
			}
			if tc.library == noLibrary {
				return
			}
			libAllowed, libErr := libraryVerdict(t, tc.req, writeDirImage(t, testManifest, tc.check.sigs), image)
			if libAllowed != got.Allowed {
				t.Fatalf("library allowed %v (%v), sigpolicy %v (%s)", libAllowed, libErr, got.Allowed, got.Reason)
			}
			if tc.library == libraryMessage && !got.Allowed && got.Reason != libErr.Error() {
				t.Errorf("reason:\n     got %q\n library %q", got.Reason, libErr.Error())
			}
		})
	}
}

// newTestCAPeriods is newTestCA with distinct validity periods for the root
// and the intermediate.
func newTestCAPeriods(t testing.TB, rootFrom, rootTo, intermediateFrom, intermediateTo time.Time) *testCA {
	t.Helper()
	rootKey, intKey := newTestKey(t, "ecdsa").signer, newTestKey(t, "ecdsa").signer
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"},
		NotBefore: rootFrom, NotAfter: rootTo, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	root := createCert(t, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	intermediate := createCert(t, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test intermediate"},
		NotBefore: intermediateFrom, NotAfter: intermediateTo, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}, root, intKey.Public(), rootKey)
	return &testCA{rootPEM: certPEM(root), intermediatePEM: certPEM(intermediate), root: root, intermediate: intermediate, intermediateKey: intKey}
}

func parsedPEM(t testing.TB, b []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatal("not PEM")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pkiMemoMaterial is a BYOPKI signer: one leaf signing many images.
type pkiMemoMaterial struct {
	now                  time.Time
	ca, shortCA, otherCA *testCA
	key                  *testKey
	payload              []byte
	sig                  string
	leaf, shortLeaf      []byte
	leafCert             *x509.Certificate
}

func newPKIMemoMaterial(t testing.TB) *pkiMemoMaterial {
	m := &pkiMemoMaterial{now: time.Now()}
	now := m.now
	m.ca = newTestCAPeriods(t, now.Add(-48*time.Hour), now.Add(48*time.Hour), now.Add(-48*time.Hour), now.Add(48*time.Hour))
	// shortCA's intermediate expired an hour ago; its leaf is still valid.
	m.shortCA = newTestCAPeriods(t, now.Add(-48*time.Hour), now.Add(48*time.Hour), now.Add(-48*time.Hour), now.Add(-time.Hour))
	// otherCA has the same names as ca and other keys.
	m.otherCA = newTestCA(t, now.Add(-48*time.Hour), now.Add(48*time.Hour))
	m.key = newTestKey(t, "ecdsa")
	m.payload = cosignPayload(digest.FromBytes(testManifest), genRepo)
	m.sig = m.key.sign(t, m.payload)
	spec := leafSpec{emails: []string{genEmail}, dnsNames: []string{genHost}, notBefore: now.Add(-3 * time.Hour), notAfter: now.Add(time.Hour)}
	m.leaf = m.ca.leaf(t, m.key, spec)
	m.shortLeaf = m.shortCA.leaf(t, m.key, spec)
	m.leafCert = parsedPEM(t, m.leaf)
	return m
}

func (m *pkiMemoMaterial) sigs(sig string, leaf, chain []byte) []UntrustedSignature {
	ann := map[string]string{trust.SignatureAnnotation: sig, trust.CertificateAnnotation: string(leaf)}
	if chain != nil {
		ann[trust.ChainAnnotation] = string(chain)
	}
	return []UntrustedSignature{layer(m.payload, ann)}
}

func pkiMemoReq(ca *testCA, email, host string, intermediates bool) *node.SigstoreRequirement {
	p := node.PKIRoot{CARoots: node.PEMData(ca.rootPEM), SubjectEmail: email, SubjectHostname: host}
	if intermediates {
		p.CAIntermediates = node.PEMData(ca.intermediatePEM)
	}
	return &node.SigstoreRequirement{Root: p, SignedIdentity: node.Identity{Type: node.MatchRepository}}
}

func TestPKICertificateMemoMatchesFullVerification(t *testing.T) {
	m := newPKIMemoMaterial(t)
	now, ca := m.now, m.ca
	byEmail := pkiMemoReq(ca, genEmail, "", false)
	byHost := pkiMemoReq(ca, "", genHost, false)
	configured := pkiMemoReq(ca, genEmail, genHost, true)
	seen := memoEval{now.Add(-2 * time.Hour), m.sigs(m.sig, m.leaf, ca.chain())}
	at := func(at time.Time, sigs []UntrustedSignature) memoEval { return memoEval{at, sigs} }
	valid := m.sigs(m.sig, m.leaf, ca.chain())
	otherLeaf := func(spec leafSpec) []byte {
		spec.notBefore, spec.notAfter = now.Add(-3*time.Hour), now.Add(time.Hour)
		return ca.leaf(t, m.key, spec)
	}
	runMemoCases(t, []memoCase{
		{"same certificate later, inside every validity period", byEmail, []memoEval{seen}, at(now, valid), true, ReasonAccepted, libraryVerdictOnly},
		{"same certificate at the leaf's last valid instant", byEmail, []memoEval{seen}, at(m.leafCert.NotAfter, valid), true, ReasonAccepted, noLibrary},
		{"same certificate just after the leaf expired", byEmail, []memoEval{seen}, at(m.leafCert.NotAfter.Add(time.Nanosecond), valid), false, ReasonCertChain, noLibrary},
		{"same certificate after the whole chain expired", byEmail, []memoEval{seen}, at(now.Add(72*time.Hour), valid), false, ReasonCertChain, noLibrary},
		{"same certificate before the leaf is valid", byEmail, []memoEval{seen}, at(m.leafCert.NotBefore.Add(-time.Nanosecond), valid), false, ReasonCertChain, noLibrary},
		{"same certificate after being denied as expired", byEmail, []memoEval{seen, at(now.Add(2*time.Hour), valid)}, at(now.Add(-time.Hour), valid), true, ReasonAccepted, noLibrary},
		{"same certificate after being accepted again at another time", byEmail, []memoEval{seen, at(now.Add(-time.Hour), valid)}, at(now.Add(2*time.Hour), valid), false, ReasonCertChain, noLibrary},
		{"same certificate after its intermediate expired", pkiMemoReq(m.shortCA, genEmail, "", false),
			[]memoEval{at(now.Add(-2*time.Hour), m.sigs(m.sig, m.shortLeaf, m.shortCA.chain()))},
			at(now, m.sigs(m.sig, m.shortLeaf, m.shortCA.chain())), false, ReasonCertChain, libraryVerdictOnly},
		{"same certificate, chain annotation of another CA with the same names", byEmail, []memoEval{seen},
			at(now, m.sigs(m.sig, m.leaf, m.otherCA.chain())), false, ReasonCertChain, libraryMessage},
		{"same certificate, no chain annotation", byEmail, []memoEval{seen}, at(now, m.sigs(m.sig, m.leaf, nil)), false, ReasonCertChain, libraryMessage},
		{"same certificate, chain annotation with the root only", byEmail, []memoEval{seen}, at(now, m.sigs(m.sig, m.leaf, ca.rootPEM)), false, ReasonCertChain, libraryMessage},
		{"same certificate, chain annotation not PEM", byEmail, []memoEval{seen}, at(now, m.sigs(m.sig, m.leaf, []byte("garbage"))), false, ReasonCertChain, libraryMessage},
		{"same certificates, chain annotation re-encoded", byEmail, []memoEval{seen}, at(now, m.sigs(m.sig, m.leaf, append(ca.chain(), '\n'))), true, ReasonAccepted, libraryVerdictOnly},
		{"same certificate, signature of another key", byEmail, []memoEval{seen},
			at(now, m.sigs(newTestKey(t, "ecdsa").sign(t, m.payload), m.leaf, ca.chain())), false, ReasonInvalidSignature, libraryMessage},
		{"another certificate of the key, another email", byEmail, []memoEval{seen},
			at(now, m.sigs(m.sig, otherLeaf(leafSpec{emails: []string{"else@example.com"}, dnsNames: []string{genHost}}), ca.chain())), false, ReasonEmailMismatch, libraryMessage},
		{"another certificate of the key, another hostname", byHost, []memoEval{{now.Add(-2 * time.Hour), valid}},
			at(now, m.sigs(m.sig, otherLeaf(leafSpec{emails: []string{genEmail}, dnsNames: []string{"else.example.com"}}), ca.chain())), false, ReasonHostnameMismatch, libraryMessage},
		{"configured intermediates, same certificate without chain", configured, []memoEval{{now.Add(-2 * time.Hour), m.sigs(m.sig, m.leaf, nil)}},
			at(now, m.sigs(m.sig, m.leaf, nil)), true, ReasonAccepted, libraryVerdictOnly},
	})
}

// TestPKICertificateMemoKeepsValidUntil: a remembered verification reports
// the same end of validity as the full one.
func TestPKICertificateMemoKeepsValidUntil(t *testing.T) {
	m := newPKIMemoMaterial(t)
	v, err := NewSigstoreVerifier(pkiMemoReq(m.ca, genEmail, "", false))
	if err != nil {
		t.Fatal(err)
	}
	md, image := digest.FromBytes(testManifest), mustNamed(t, genRef)
	sigs := m.sigs(m.sig, m.leaf, m.ca.chain())
	first := v.EvaluateAt(m.now.Add(-2*time.Hour), image, md, sigs)
	again := v.EvaluateAt(m.now, image, md, sigs)
	if !first.Allowed || !again.Allowed {
		t.Fatalf("denied: %s / %s", first.Reason, again.Reason)
	}
	if !again.ValidUntil.Equal(m.leafCert.NotAfter) || !first.ValidUntil.Equal(again.ValidUntil) {
		t.Fatalf("ValidUntil %v then %v, want the leaf's NotAfter %v", first.ValidUntil, again.ValidUntil, m.leafCert.NotAfter)
	}
}

func TestFulcioCertificateMemoMatchesFullVerification(t *testing.T) {
	f := newFulcioFixture(t)
	logged, ca, otherCA, rekor, key, payload, sig, spec, req := f.logged, f.ca, f.otherCA, f.rekor, f.key, f.payload, f.sig, f.spec, f.req
	// The Fulcio chain is verified at the SET's integratedTime, not at the
	// evaluation's time.
	eval := func(leaf, chain []byte, integrated time.Time) memoEval {
		set := rekor.set(t, setEntry{keyOrCertPEM: leaf, signature: sig, payload: payload, integratedTime: integrated.Unix()})
		ann := map[string]string{trust.SignatureAnnotation: sig, trust.SETAnnotation: set, trust.CertificateAnnotation: string(leaf)}
		if chain != nil {
			ann[trust.ChainAnnotation] = string(chain)
		}
		return memoEval{time.Now(), []UntrustedSignature{layer(payload, ann)}}
	}
	leaf := ca.leaf(t, key, spec)
	seen := eval(leaf, ca.chain(), logged)
	other := func(mod func(*leafSpec)) []byte {
		s := spec
		mod(&s)
		return ca.leaf(t, key, s)
	}
	runMemoCases(t, []memoCase{
		{"same signature again", req, []memoEval{seen}, seen, true, ReasonAccepted, libraryMessage},
		{"same certificate logged again within its validity", req, []memoEval{seen}, eval(leaf, ca.chain(), logged.Add(4*time.Minute)), true, ReasonAccepted, libraryMessage},
		{"same certificate logged after it expired", req, []memoEval{seen}, eval(leaf, ca.chain(), logged.Add(time.Hour)), false, ReasonCertChain, libraryMessage},
		{"same certificate logged before it was valid", req, []memoEval{seen}, eval(leaf, ca.chain(), logged.Add(-time.Hour)), false, ReasonCertChain, libraryMessage},
		{"same certificate, chain annotation of another CA with the same names", req, []memoEval{seen}, eval(leaf, otherCA.chain(), logged), false, ReasonCertChain, libraryMessage},
		{"same certificate, no chain annotation", req, []memoEval{seen}, eval(leaf, nil, logged), false, ReasonCertChain, libraryMessage},
		{"another certificate of the key, another email", req, []memoEval{seen},
			eval(other(func(s *leafSpec) { s.emails = []string{"else@example.com"} }), ca.chain(), logged), false, ReasonEmailMismatch, libraryMessage},
		{"another certificate of the key, another issuer", req, []memoEval{seen},
			eval(other(func(s *leafSpec) { s.issuerV1, s.issuerV2 = "https://other.example", "" }), ca.chain(), logged), false, ReasonIssuerMismatch, libraryMessage},
	})
}

// TestCertificateMemoUnderConcurrency: one verifier shared by goroutines that
// mix remembered, unseen and no longer valid certificates decides every
// evaluation as a fresh verifier does (run with -race).
func TestCertificateMemoUnderConcurrency(t *testing.T) {
	m := newPKIMemoMaterial(t)
	req := pkiMemoReq(m.ca, genEmail, "", false)
	md, image := digest.FromBytes(testManifest), mustNamed(t, genRef)
	evals := []memoEval{
		{m.now, m.sigs(m.sig, m.leaf, m.ca.chain())},
		{m.now.Add(-2 * time.Hour), m.sigs(m.sig, m.leaf, m.ca.chain())},
		{m.now.Add(2 * time.Hour), m.sigs(m.sig, m.leaf, m.ca.chain())},
		{m.now, m.sigs(m.sig, m.leaf, m.otherCA.chain())},
		{m.now, m.sigs(m.sig, m.leaf, append(m.ca.chain(), '\n'))},
		{m.now, m.sigs(m.sig, m.shortLeaf, m.shortCA.chain())},
	}
	want := make([]RequirementResult, len(evals))
	for i, e := range evals {
		fresh, err := NewSigstoreVerifier(req)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = fresh.EvaluateAt(e.at, image, md, e.sigs)
	}
	shared, err := NewSigstoreVerifier(req)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for n := range 3 * len(evals) {
				i := (g + n) % len(evals)
				if got := shared.EvaluateAt(evals[i].at, image, md, evals[i].sigs); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("evaluation %d:\n got %+v\nwant %+v", i, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}
