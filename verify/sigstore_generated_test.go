package verify

import (
	"strings"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

const (
	genRepo   = "registry.example/ns/app"
	genRef    = genRepo + ":v1"
	genIssuer = "https://issuer.example"
	genEmail  = "signer@example.com"
	genHost   = "signer.example.com"
)

// genCase is one signature scenario, judged by both the verifier and the
// library on the same dir: image.
type genCase struct {
	desc    string
	req     *node.SigstoreRequirement
	sigs    []UntrustedSignature
	allowed bool
	code    Reason
	// wordingDiffers marks a documented divergence in the message only.
	wordingDiffers bool
}

func runGenCases(t *testing.T, cases []genCase) {
	t.Helper()
	manifestDigest := digest.FromBytes(testManifest)
	image := mustNamed(t, genRef)
	// Cases sharing a requirement share its verifier, as an engine does, so
	// that later cases also run against certificates remembered by earlier
	// ones; each case is evaluated twice for the same reason.
	verifiers := map[*node.SigstoreRequirement]*SigstoreVerifier{}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			v, ok := verifiers[tc.req]
			if !ok {
				var err error
				if v, err = NewSigstoreVerifier(tc.req); err != nil {
					t.Fatalf("NewSigstoreVerifier: %v", err)
				}
				verifiers[tc.req] = v
			}
			got := v.EvaluateAt(time.Now(), image, manifestDigest, tc.sigs)
			again := v.EvaluateAt(time.Now(), image, manifestDigest, tc.sigs)
			if again.Allowed != got.Allowed || again.Reason != got.Reason {
				t.Fatalf("second evaluation differs: %v %q, then %v %q", got.Allowed, got.Reason, again.Allowed, again.Reason)
			}
			libAllowed, libErr := libraryVerdict(t, tc.req, writeDirImage(t, testManifest, tc.sigs), image)
			if libAllowed != tc.allowed {
				t.Fatalf("library allowed = %v (%v), the case expects %v", libAllowed, libErr, tc.allowed)
			}
			if got.Allowed != tc.allowed || got.Code != tc.code {
				t.Fatalf("got allowed %v code %q (%s), want %v %q", got.Allowed, got.Code, got.Reason, tc.allowed, tc.code)
			}
			if tc.allowed {
				return
			}
			if !tc.wordingDiffers && got.Reason != libErr.Error() {
				t.Errorf("reason:\n got %q\nlibrary %q", got.Reason, libErr.Error())
			}
			if len(got.Signatures) > 0 {
				s := got.Signatures[len(got.Signatures)-1]
				if len(s.Checks) == 0 || s.Checks[len(s.Checks)-1].Passed {
					t.Errorf("rejected signature does not end with a failed check: %+v", s.Checks)
				}
			}
		})
	}
}

func TestKeySignaturesMatchLibrary(t *testing.T) {
	md := digest.FromBytes(testManifest)
	key, other := newTestKey(t, "ecdsa"), newTestKey(t, "ecdsa")
	rsaKey, edKey := newTestKey(t, "rsa"), newTestKey(t, "ed25519")
	good := cosignPayload(md, genRepo)
	req := func(keys ...*testKey) *node.SigstoreRequirement {
		var datas node.PEMDatas
		for _, k := range keys {
			datas = append(datas, k.pubPEM)
		}
		return &node.SigstoreRequirement{Root: node.PublicKeyRoot{Keys: datas}, SignedIdentity: node.Identity{Type: node.MatchRepository}}
	}
	signed := func(k *testKey, payload []byte) UntrustedSignature {
		return layer(payload, map[string]string{trust.SignatureAnnotation: k.sign(t, payload)})
	}
	tampered := signed(key, good)
	tampered.Payload = cosignPayload(md, genRepo+"x")

	runGenCases(t, []genCase{
		{"ecdsa key accepted", req(key), []UntrustedSignature{signed(key, good)}, true, ReasonAccepted, false},
		{"rsa key accepted", req(rsaKey), []UntrustedSignature{signed(rsaKey, good)}, true, ReasonAccepted, false},
		{"ed25519 key accepted", req(edKey), []UntrustedSignature{signed(edKey, good)}, true, ReasonAccepted, false},
		{"second configured key", req(other, key), []UntrustedSignature{signed(key, good)}, true, ReasonAccepted, false},
		{"no signatures", req(key), nil, false, ReasonNoSignatures, false},
		{"untrusted key", req(key), []UntrustedSignature{signed(other, good)}, false, ReasonInvalidSignature, false},
		{"untrusted key among two configured", req(key, rsaKey), []UntrustedSignature{signed(other, good)}, false, ReasonInvalidSignature, false},
		{"payload changed after signing", req(key), []UntrustedSignature{tampered}, false, ReasonInvalidSignature, false},
		{"signature not base64", req(key), []UntrustedSignature{layer(good, map[string]string{trust.SignatureAnnotation: "%%%"})}, false, ReasonInvalidSignature, false},
		{"signature annotation missing", req(key), []UntrustedSignature{layer(good, map[string]string{})}, false, ReasonMissingAnnotation, false},
		{"signed payload not JSON", req(key), []UntrustedSignature{signed(key, []byte("not json"))}, false, ReasonBadPayload, false},
		{"signed payload with an extra critical key", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), `"type"`, `"extra":1,"type"`, 1)))}, false, ReasonBadPayload, false},
		{"signed payload with a duplicate key", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), `"optional":null`, `"optional":null,"optional":null`, 1)))}, false, ReasonBadPayload, false},
		{"signed payload without optional", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), `,"optional":null`, ``, 1)))}, false, ReasonBadPayload, false},
		{"signed payload of another type", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), "cosign container image signature", "atomic container signature", 1)))}, false, ReasonBadPayload, false},
		{"signed payload with a fractional timestamp", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), `"optional":null`, `"optional":{"timestamp":1.5}`, 1)))}, false, ReasonBadPayload, false},
		{"signed payload with a non-string creator", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), `"optional":null`, `"optional":{"creator":5}`, 1)))}, false, ReasonBadPayload, false},
		{"signed payload with an invalid digest", req(key), []UntrustedSignature{signed(key, cosignPayload("sha256:abc", genRepo))}, false, ReasonBadPayload, false},
		{"signed payload with free-form optional", req(key), []UntrustedSignature{signed(key, []byte(strings.Replace(string(good), `"optional":null`, `"optional":{"creator":"me","timestamp":17,"anything":[1,{"a":null}]}`, 1)))}, true, ReasonAccepted, false},
		{"signature for another manifest", req(key), []UntrustedSignature{signed(key, cosignPayload(digest.FromString("other"), genRepo))}, false, ReasonDigestMismatch, false},
		{"signature for another repository", req(key), []UntrustedSignature{signed(key, cosignPayload(md, "registry.example/ns/other"))}, false, ReasonIdentityMismatch, false},
		{"signed identity not a reference", req(key), []UntrustedSignature{signed(key, cosignPayload(md, "Not A Reference"))}, false, ReasonIdentityMismatch, false},
		{"non-signature attachment skipped, valid signature accepted", req(key), []UntrustedSignature{
			{MediaType: "application/vnd.dev.sigstore.bundle+json", Payload: []byte("{}")}, signed(key, good)}, true, ReasonAccepted, false},
		{"two rejections", req(key), []UntrustedSignature{signed(other, good), signed(key, cosignPayload(md, "registry.example/ns/other"))}, false, ReasonRejected, false},
	})
}

func TestRekorSETsMatchLibrary(t *testing.T) {
	md := digest.FromBytes(testManifest)
	key, other := newTestKey(t, "ecdsa"), newTestKey(t, "ecdsa")
	rekor, otherRekor := newTestRekor(t), newTestRekor(t)
	payload := cosignPayload(md, genRepo)
	sig, otherSig := key.sign(t, payload), other.sign(t, payload)
	entry := setEntry{keyOrCertPEM: key.pubPEM, signature: sig, payload: payload, integratedTime: time.Now().Unix()}
	req := func(keys ...*testKey) *node.SigstoreRequirement {
		var datas node.PEMDatas
		for _, k := range keys {
			datas = append(datas, k.pubPEM)
		}
		return &node.SigstoreRequirement{Root: node.PublicKeyRoot{Keys: datas, Rekor: node.PEMData(rekor.key.pubPEM)},
			SignedIdentity: node.Identity{Type: node.MatchRepository}}
	}
	with := func(set string) []UntrustedSignature {
		return []UntrustedSignature{layer(payload, map[string]string{trust.SignatureAnnotation: sig, trust.SETAnnotation: set})}
	}
	mutate := func(f func(*setEntry)) string {
		e := entry
		f(&e)
		return rekor.set(t, e)
	}
	runGenCases(t, []genCase{
		{"valid SET", req(key), with(rekor.set(t, entry)), true, ReasonAccepted, false},
		{"valid SET for the second key", req(other, key), with(rekor.set(t, entry)), true, ReasonAccepted, false},
		{"SET records another key", req(key), with(mutate(func(e *setEntry) { e.keyOrCertPEM = other.pubPEM })), false, ReasonUntrustedKey, false},
		{"SET signed by another log", req(key), with(otherRekor.set(t, entry)), false, ReasonBadSET, false},
		{"SET for another payload", req(key), with(mutate(func(e *setEntry) { e.payload = []byte("other") })), false, ReasonBadSET, false},
		{"SET with sha512", req(key), with(mutate(func(e *setEntry) { e.hashAlgorithm = "sha512" })), false, ReasonBadSET, false},
		// The library prints the version as a *string pointer (%#v); we
		// print the value.
		{"SET with hashedrekord 0.0.2", req(key), with(mutate(func(e *setEntry) { e.apiVersion = "0.0.2" })), false, ReasonBadSET, true},
		{"SET with a rekord body", req(key), with(mutate(func(e *setEntry) { e.body = []byte(`{"kind":"rekord","apiVersion":"0.0.1","spec":{}}`) })), false, ReasonBadSET, false},
		{"SET body without signature", req(key), with(mutate(func(e *setEntry) { e.body = []byte(`{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"data":{}}}`) })), false, ReasonBadSET, false},
		{"SET body key not PEM", req(key), with(mutate(func(e *setEntry) {
			e.body = []byte(`{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"signature":{"content":"","publicKey":{"content":"bm90IHBlbQ=="}}}}`)
		})), false, ReasonBadSET, false},
		{"SET not JSON", req(key), with("not json"), false, ReasonBadSET, false},
		{"SET with an unknown field", req(key), with(strings.Replace(rekor.set(t, entry), `{"Payload"`, `{"Extra":1,"Payload"`, 1)), false, ReasonBadSET, false},
		{"SET annotation missing", req(key), []UntrustedSignature{layer(payload, map[string]string{trust.SignatureAnnotation: sig})}, false, ReasonMissingAnnotation, false},
		{"SET logs a signature by an untrusted key under the trusted key", req(key), []UntrustedSignature{layer(payload, map[string]string{
			trust.SignatureAnnotation: otherSig,
			trust.SETAnnotation:       mutate(func(e *setEntry) { e.signature = otherSig }),
		})}, false, ReasonInvalidSignature, false},
		{"SET logs another signature than the annotation's", req(key), with(mutate(func(e *setEntry) { e.signature = otherSig })), false, ReasonBadSET, false},
	})
}

func TestFulcioCertificatesMatchLibrary(t *testing.T) {
	f := newFulcioFixture(t)
	logged, ca, otherCA, rekor, key, payload, sig, short, req := f.logged, f.ca, f.otherCA, f.rekor, f.key, f.payload, f.sig, f.spec, f.req
	sigWith := func(certPEM, chain []byte, integrated time.Time) []UntrustedSignature {
		set := rekor.set(t, setEntry{keyOrCertPEM: certPEM, signature: sig, payload: payload, integratedTime: integrated.Unix()})
		ann := map[string]string{trust.SignatureAnnotation: sig, trust.SETAnnotation: set, trust.CertificateAnnotation: string(certPEM)}
		if chain != nil {
			ann[trust.ChainAnnotation] = string(chain)
		}
		return []UntrustedSignature{layer(payload, ann)}
	}
	leaf := func(mod func(*leafSpec)) []byte {
		s := short
		mod(&s)
		return ca.leaf(t, key, s)
	}
	valid := leaf(func(*leafSpec) {})
	otherLeaf := otherCA.leaf(t, key, short)
	setForOtherCert := sigWith(valid, ca.chain(), logged)
	setForOtherCert[0].Annotations[trust.SETAnnotation] = rekor.set(t, setEntry{keyOrCertPEM: leaf(func(*leafSpec) {}), signature: sig, payload: payload, integratedTime: logged.Unix()})

	runGenCases(t, []genCase{
		{"valid, both issuer extensions", req, sigWith(valid, ca.chain(), logged), true, ReasonAccepted, false},
		{"valid, issuer v1 only", req, sigWith(leaf(func(s *leafSpec) { s.issuerV2 = "" }), ca.chain(), logged), true, ReasonAccepted, false},
		{"valid, issuer v2 only", req, sigWith(leaf(func(s *leafSpec) { s.issuerV1 = "" }), ca.chain(), logged), true, ReasonAccepted, false},
		{"valid although expired today (checked at integratedTime)", req, sigWith(valid, ca.chain(), logged), true, ReasonAccepted, false},
		{"integrated after the certificate expired", req, sigWith(valid, ca.chain(), logged.Add(time.Hour)), false, ReasonCertChain, false},
		{"no chain annotation: intermediate unknown", req, sigWith(valid, nil, logged), false, ReasonCertChain, false},
		{"issued by another CA", req, sigWith(otherLeaf, otherCA.chain(), logged), false, ReasonCertChain, false},
		{"not for code signing", req, sigWith(leaf(func(s *leafSpec) { s.noCodeSig = true }), ca.chain(), logged), false, ReasonCertChain, false},
		{"issuer extensions disagree", req, sigWith(leaf(func(s *leafSpec) { s.issuerV2 = "https://other.example" }), ca.chain(), logged), false, ReasonIssuerMismatch, false},
		{"no issuer extension", req, sigWith(leaf(func(s *leafSpec) { s.issuerV1, s.issuerV2 = "", "" }), ca.chain(), logged), false, ReasonIssuerMismatch, false},
		{"another issuer", req, sigWith(leaf(func(s *leafSpec) { s.issuerV1, s.issuerV2 = "https://other.example", "" }), ca.chain(), logged), false, ReasonIssuerMismatch, false},
		{"another email", req, sigWith(leaf(func(s *leafSpec) { s.emails = []string{"else@example.com"} }), ca.chain(), logged), false, ReasonEmailMismatch, false},
		{"no email, URI SAN only", req, sigWith(leaf(func(s *leafSpec) { s.emails = nil }), ca.chain(), logged), false, ReasonEmailMismatch, false},
		{"two certificates in the certificate annotation", req, sigWith(append(append([]byte{}, valid...), valid...), ca.chain(), logged), false, ReasonBadSET, false},
		{"SET records another certificate", req, setForOtherCert, false, ReasonUntrustedKey, false},
		{"chain annotation not PEM", req, sigWith(valid, []byte("garbage"), logged), false, ReasonCertChain, false},
		{"certificate annotation missing", req, []UntrustedSignature{layer(payload, map[string]string{trust.SignatureAnnotation: sig,
			trust.SETAnnotation: rekor.set(t, setEntry{keyOrCertPEM: valid, signature: sig, payload: payload, integratedTime: logged.Unix()})})}, false, ReasonMissingAnnotation, false},
	})
}

func TestPKICertificatesMatchLibrary(t *testing.T) {
	md := digest.FromBytes(testManifest)
	now := time.Now()
	ca := newTestCA(t, now.Add(-time.Hour), now.Add(24*time.Hour))
	otherCA := newTestCA(t, now.Add(-time.Hour), now.Add(24*time.Hour))
	key := newTestKey(t, "ecdsa")
	payload := cosignPayload(md, genRepo)
	sig := key.sign(t, payload)
	spec := leafSpec{emails: []string{genEmail}, dnsNames: []string{genHost}, notBefore: now.Add(-time.Hour), notAfter: now.Add(time.Hour)}
	req := func(email, host string, intermediates bool) *node.SigstoreRequirement {
		p := node.PKIRoot{CARoots: node.PEMData(ca.rootPEM), SubjectEmail: email, SubjectHostname: host}
		if intermediates {
			p.CAIntermediates = node.PEMData(ca.intermediatePEM)
		}
		return &node.SigstoreRequirement{Root: p, SignedIdentity: node.Identity{Type: node.MatchRepository}}
	}
	sigWith := func(certPEM, chain []byte) []UntrustedSignature {
		ann := map[string]string{trust.SignatureAnnotation: sig, trust.CertificateAnnotation: string(certPEM)}
		if chain != nil {
			ann[trust.ChainAnnotation] = string(chain)
		}
		return []UntrustedSignature{layer(payload, ann)}
	}
	leaf := func(mod func(*leafSpec)) []byte {
		s := spec
		mod(&s)
		return ca.leaf(t, key, s)
	}
	valid := leaf(func(*leafSpec) {})
	byEmail := req(genEmail, "", true)
	runGenCases(t, []genCase{
		{"valid, email, configured intermediates", byEmail, sigWith(valid, nil), true, ReasonAccepted, false},
		{"valid, email, chain annotation", req(genEmail, "", false), sigWith(valid, ca.chain()), true, ReasonAccepted, false},
		{"valid, hostname, configured intermediates", req("", genHost, true), sigWith(valid, nil), true, ReasonAccepted, false},
		{"valid, email and hostname", req(genEmail, genHost, true), sigWith(valid, ca.chain()), true, ReasonAccepted, false},
		{"no intermediate anywhere", req(genEmail, "", false), sigWith(valid, nil), false, ReasonCertChain, false},
		{"expired leaf", byEmail, sigWith(leaf(func(s *leafSpec) { s.notBefore, s.notAfter = now.Add(-2*time.Hour), now.Add(-time.Hour) }), nil), false, ReasonCertChain, false},
		{"leaf not yet valid", byEmail, sigWith(leaf(func(s *leafSpec) { s.notBefore, s.notAfter = now.Add(time.Hour), now.Add(2*time.Hour) }), nil), false, ReasonCertChain, false},
		{"issued by another CA", byEmail, sigWith(otherCA.leaf(t, key, spec), otherCA.chain()), false, ReasonCertChain, false},
		{"not for code signing", byEmail, sigWith(leaf(func(s *leafSpec) { s.noCodeSig = true }), nil), false, ReasonCertChain, false},
		{"another email", req("else@example.com", "", true), sigWith(valid, nil), false, ReasonEmailMismatch, false},
		{"another hostname", req("", "else.example.com", true), sigWith(valid, nil), false, ReasonHostnameMismatch, false},
		{"certificate not PEM", byEmail, sigWith([]byte("garbage"), nil), false, ReasonCertChain, false},
		{"certificate of another key", byEmail, sigWith(ca.leaf(t, newTestKey(t, "ecdsa"), spec), nil), false, ReasonInvalidSignature, false},
	})
}

// TestPKIUsesTheInjectedClock: the chain is verified at the time given to
// EvaluateAt, and an allowed verdict says until when it holds.
func TestPKIUsesTheInjectedClock(t *testing.T) {
	md := digest.FromBytes(testManifest)
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ca := newTestCA(t, start, start.Add(48*time.Hour))
	key := newTestKey(t, "ecdsa")
	payload := cosignPayload(md, genRepo)
	leafPEM := ca.leaf(t, key, leafSpec{emails: []string{genEmail}, notBefore: start, notAfter: start.Add(time.Hour)})
	sigs := []UntrustedSignature{layer(payload, map[string]string{
		trust.SignatureAnnotation: key.sign(t, payload), trust.CertificateAnnotation: string(leafPEM), trust.ChainAnnotation: string(ca.chain()),
	})}
	v, err := NewSigstoreVerifier(&node.SigstoreRequirement{
		Root: node.PKIRoot{CARoots: node.PEMData(ca.rootPEM), SubjectEmail: genEmail}, SignedIdentity: node.Identity{Type: node.MatchRepository},
	})
	if err != nil {
		t.Fatal(err)
	}
	image := mustNamed(t, genRef)
	for _, c := range []struct {
		desc    string
		at      time.Time
		allowed bool
	}{
		{"before the leaf is valid", start.Add(-time.Minute), false},
		{"while the leaf is valid", start.Add(30 * time.Minute), true},
		{"after the leaf expired", start.Add(2 * time.Hour), false},
	} {
		got := v.EvaluateAt(c.at, image, md, sigs)
		if got.Allowed != c.allowed {
			t.Errorf("%s: allowed %v (%s)", c.desc, got.Allowed, got.Reason)
		}
		if got.Allowed && !got.ValidUntil.Equal(start.Add(time.Hour)) {
			t.Errorf("%s: ValidUntil %v, want the leaf's NotAfter", c.desc, got.ValidUntil)
		}
		if !got.Allowed && got.Code != ReasonCertChain {
			t.Errorf("%s: code %q", c.desc, got.Code)
		}
	}
}
