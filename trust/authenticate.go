package trust

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	sigsig "github.com/sigstore/sigstore/pkg/signature"
)

// Authentication is what a successful Authenticate established.
type Authentication struct {
	// Steps are the checks performed, in order, all passed.
	Steps []Step
	// ValidUntil is when the verdict stops holding because a certificate in
	// the verified chain expires (PKI only: Fulcio chains are verified at the
	// fixed Rekor time, keys do not expire). Zero means no such limit.
	ValidUntil time.Time
}

// Authenticate decides whether one cosign signature layer was made by this
// trust root: the Rekor SET, the certificate chain and identity, then the
// signature over the payload, in the library's order. It does not look inside
// the payload; the caller parses it only after this succeeded.
//
// now is the current time for PKI chains. On rejection the error is a
// *Failure and the returned steps end with the failed one.
func (s *Sigstore) Authenticate(untrustedPayload []byte, untrustedAnnotations map[string]string, now time.Time) (Authentication, error) {
	steps := make([]Step, 0, 5)
	b64Signature, ok := untrustedAnnotations[SignatureAnnotation]
	if !ok {
		return rejected(steps, missing(SignatureAnnotation))
	}
	v, f := s.root.vouch(layer{untrustedPayload: untrustedPayload, untrustedAnnotations: untrustedAnnotations,
		untrustedB64Signature: b64Signature, now: now}, steps)
	if f != nil {
		return rejected(v.steps, f)
	}
	candidates := v.keys
	if v.cert != nil {
		candidates = []sigsig.Verifier{v.cert}
	}
	if f := verifyPayloadSignature(candidates, b64Signature, untrustedPayload); f != nil {
		return rejected(v.steps, f)
	}
	return Authentication{
		Steps:      append(v.steps, Step{Name: string(CheckSignature), Passed: true, Expected: signatureExpected(len(candidates)), Got: "signature verified"}),
		ValidUntil: v.validUntil,
	}, nil
}

func rejected(steps []Step, f *Failure) (Authentication, error) {
	return Authentication{Steps: append(steps, f.Step())}, f
}

// certificateVerifier loads a verifier for a certificate's key (ECDSA, RSA
// PKCS#1 v1.5 or ed25519, SHA-256).
func certificateVerifier(pk crypto.PublicKey) (sigsig.Verifier, *Failure) {
	v, err := sigsig.LoadVerifier(pk, crypto.SHA256)
	if err != nil {
		return nil, fail(CheckSignature, ReasonInvalidSignature, "an ECDSA, RSA or ed25519 key", fmt.Sprintf("%T", pk), err.Error())
	}
	return v, nil
}

// verifyPayloadSignature checks the base64 signature over the payload under
// any of the candidate verifiers.
func verifyPayloadSignature(candidates []sigsig.Verifier, b64Signature string, payload []byte) *Failure {
	expected := signatureExpected(len(candidates))
	sig, err := base64.StdEncoding.DecodeString(b64Signature)
	if err != nil {
		return fail(CheckSignature, ReasonInvalidSignature, expected, "", fmt.Sprintf("base64 decoding: %v", err))
	}
	failures := make([]string, 0, len(candidates))
	for _, v := range candidates {
		err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(payload))
		if err == nil {
			return nil
		}
		failures = append(failures, err.Error())
	}
	return fail(CheckSignature, ReasonInvalidSignature, expected, "",
		"cryptographic signature verification failed: "+strings.Join(failures, ", "))
}

func signatureExpected(candidates int) string {
	if candidates == 1 {
		return "payload signed by the trusted key"
	}
	return fmt.Sprintf("payload signed by one of %d trusted keys", candidates)
}

func missing(annotation string) *Failure {
	return fail(CheckAnnotations, ReasonMissingAnnotation, annotation, "annotation absent",
		fmt.Sprintf("missing %s annotation", annotation))
}
