package verify

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"

	"github.com/sigpolicy/sigpolicy/trust"
)

// vectorSignature returns the first signature layer of a conformance vector
// and a function evaluating a layer for it with v, after checking that the
// vector itself is accepted.
func vectorSignature(f *testing.F, image string, ref string, v *SigstoreVerifier) (UntrustedSignature, func(UntrustedSignature) RequirementResult) {
	f.Helper()
	md, sigs := readDirImage(f, vector("dir-img-cosign-"+image))
	named := mustNamed(f, ref)
	evaluate := func(s UntrustedSignature) RequirementResult {
		return v.EvaluateAt(time.Now(), named, md, []UntrustedSignature{s})
	}
	if res := evaluate(sigs[0]); !res.Allowed {
		f.Fatalf("vector %s not accepted: %s", image, res.Reason)
	}
	return sigs[0], evaluate
}

// canonicalSETPayload is the log statement a SET signs, or nil.
func canonicalSETPayload(set []byte) []byte {
	var s struct{ Payload json.RawMessage }
	if json.Unmarshal(set, &s) != nil {
		return nil
	}
	c, err := jsoncanonicalizer.Transform(s.Payload)
	if err != nil {
		return nil
	}
	return c
}

// FuzzSET mutates the Rekor SET annotation of a key+Rekor signature: no
// panic, and an accepted SET must carry the very statement the log signed
// (encodings of it may differ: JSON layout, ECDSA signature malleability).
func FuzzSET(f *testing.F) {
	v, err := NewSigstoreVerifier(withRekor(keyReq(idMatchRepository, "cosign2.pub"), "rekor.pub"))
	if err != nil {
		f.Fatal(err)
	}
	sig, evaluate := vectorSignature(f, "key-rekor-valid", "192.168.64.2:5000/cosign-signed/key-1:latest", v)
	original := []byte(sig.Annotations[trust.SETAnnotation])
	want := canonicalSETPayload(original)
	f.Add(original)
	f.Fuzz(func(t *testing.T, set []byte) {
		s := sig
		s.Annotations = map[string]string{trust.SignatureAnnotation: sig.Annotations[trust.SignatureAnnotation], trust.SETAnnotation: string(set)}
		if res := evaluate(s); res.Allowed && !bytes.Equal(canonicalSETPayload(set), want) {
			t.Fatalf("accepted a SET with another statement: %q", set)
		}
	})
}

// certificateDER is the DER of the single PEM certificate in b, or nil.
func certificateDER(b []byte) []byte {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil
	}
	return block.Bytes
}

// FuzzCertificateChain mutates the certificate and chain annotations of a
// Fulcio signature: no panic, and an accepted signature must still present
// the original leaf (the SET binds it; the chain annotation is unbound and
// reaches the chain parser and verification).
func FuzzCertificateChain(f *testing.F) {
	v, err := NewSigstoreVerifier(fulcioReq(idMatchRepository, githubOIDC, "mitr@redhat.com", "rekor.pub"))
	if err != nil {
		f.Fatal(err)
	}
	sig, evaluate := vectorSignature(f, "fulcio-rekor-valid", "192.168.64.2:5000/cosign-signed/fulcio-rekor-1:latest", v)
	cert, chain := []byte(sig.Annotations[trust.CertificateAnnotation]), []byte(sig.Annotations[trust.ChainAnnotation])
	leafDER := certificateDER(cert)
	f.Add(cert, chain)
	f.Add(cert, []byte{})
	f.Add(chain, cert)
	f.Fuzz(func(t *testing.T, cert, chain []byte) {
		s := sig
		s.Annotations = map[string]string{
			trust.SignatureAnnotation:   sig.Annotations[trust.SignatureAnnotation],
			trust.SETAnnotation:         sig.Annotations[trust.SETAnnotation],
			trust.CertificateAnnotation: string(cert),
			trust.ChainAnnotation:       string(chain),
		}
		if res := evaluate(s); res.Allowed && !bytes.Equal(certificateDER(cert), leafDER) {
			t.Fatalf("accepted another leaf: %q", cert)
		}
	})
}
