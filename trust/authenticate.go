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
	var auth Authentication
	auth.Steps = make([]Step, 0, 5)
	reject := func(f *Failure) (Authentication, error) {
		auth.Steps = append(auth.Steps, f.Step())
		auth.ValidUntil = time.Time{}
		return auth, f
	}
	b64Signature, ok := untrustedAnnotations[SignatureAnnotation]
	if !ok {
		return reject(missing(SignatureAnnotation))
	}

	var candidates []sigsig.Verifier
	switch s.kind {
	case RootPublicKeys:
		if s.rekorKeys == nil {
			candidates = make([]sigsig.Verifier, len(s.keys))
			for i, k := range s.keys {
				candidates[i] = k.verifier
			}
			break
		}
		set, ok := untrustedAnnotations[SETAnnotation]
		if !ok {
			return reject(missing(SETAnnotation))
		}
		key, entry, f := s.keyLoggedInSET([]byte(set), b64Signature, untrustedPayload)
		if f != nil {
			return reject(f)
		}
		auth.Steps = append(auth.Steps, entry.step())
		candidates = []sigsig.Verifier{key.verifier}

	case RootFulcio:
		set, ok := untrustedAnnotations[SETAnnotation]
		if !ok {
			return reject(missing(SETAnnotation))
		}
		cert, ok := untrustedAnnotations[CertificateAnnotation]
		if !ok {
			return reject(missing(CertificateAnnotation))
		}
		entry, f := s.verifySET([]byte(set))
		if f == nil {
			f = entry.matchCertificatePEM([]byte(cert))
		}
		if f == nil {
			f = entry.matchSignature(b64Signature, untrustedPayload)
		}
		if f != nil {
			return reject(f)
		}
		auth.Steps = append(auth.Steps, entry.step())
		v, f := s.fulcio.verify(entry.integratedTime, []byte(cert), []byte(untrustedAnnotations[ChainAnnotation]), &auth.Steps)
		if f != nil {
			return reject(f)
		}
		candidates = []sigsig.Verifier{v}

	case RootPKI:
		cert, ok := untrustedAnnotations[CertificateAnnotation]
		if !ok {
			return reject(missing(CertificateAnnotation))
		}
		v, notAfter, f := s.pki.verify(now, []byte(cert), []byte(untrustedAnnotations[ChainAnnotation]), &auth.Steps)
		if f != nil {
			return reject(f)
		}
		candidates = []sigsig.Verifier{v}
		auth.ValidUntil = notAfter
	}

	if f := verifyPayloadSignature(candidates, b64Signature, untrustedPayload); f != nil {
		return reject(f)
	}
	auth.Steps = append(auth.Steps, Step{Name: string(CheckSignature), Passed: true,
		Expected: signatureExpected(len(candidates)), Got: "signature verified"})
	return auth, nil
}

// keyLoggedInSET finds the first configured key the SET records for this
// signature. A SET failure that does not depend on the key is reported once
// per key, as the library, which re-verifies the SET for every key, does.
func (s *Sigstore) keyLoggedInSET(set []byte, b64Signature string, payload []byte) (publicKey, *loggedEntry, *Failure) {
	var failures []string
	reason := ReasonUntrustedKey
	entry, f := s.verifySET(set)
	if f != nil {
		for range s.keys {
			failures = append(failures, f.Error())
		}
		reason = f.Reason
	} else {
		for _, k := range s.keys {
			f := entry.matchKeyDER(k.der)
			if f == nil {
				if f = entry.matchSignature(b64Signature, payload); f == nil {
					return k, entry, nil
				}
			}
			if f.Reason != ReasonUntrustedKey {
				reason = f.Reason
			}
			failures = append(failures, f.Error())
		}
	}
	return publicKey{}, nil, fail(CheckRekorSET, reason, setExpected, "",
		fmt.Sprintf("No public key verified against the RekorSET: %s", strings.Join(failures, ", ")))
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
