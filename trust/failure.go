package trust

// Reason classifies why a signature was not authenticated, for programs
// (exit codes, JSON); the Failure's message is for people.
type Reason string

const (
	// ReasonMissingAnnotation: a required annotation (signature, SET,
	// certificate) is absent from the signature layer.
	ReasonMissingAnnotation Reason = "missing-annotation"
	// ReasonBadSET: the Rekor SET is malformed, not signed by a trusted Rekor
	// key, or does not describe this signature.
	ReasonBadSET Reason = "bad-set"
	// ReasonUntrustedKey: the Rekor SET vouches for a key that is not one of
	// the configured public keys.
	ReasonUntrustedKey Reason = "untrusted-key"
	// ReasonCertChain: the certificate or chain is malformed, or does not
	// chain to the trusted CA (at the relevant time, for code signing).
	ReasonCertChain Reason = "cert-chain"
	// ReasonIssuerMismatch: the Fulcio OIDC issuer is missing, inconsistent
	// or not the configured one.
	ReasonIssuerMismatch Reason = "issuer-mismatch"
	// ReasonEmailMismatch: the configured email is not among the
	// certificate's email SANs.
	ReasonEmailMismatch Reason = "email-mismatch"
	// ReasonHostnameMismatch: the certificate is not valid for the configured
	// hostname.
	ReasonHostnameMismatch Reason = "hostname-mismatch"
	// ReasonInvalidSignature: the payload signature is malformed or does not
	// verify under any candidate key.
	ReasonInvalidSignature Reason = "invalid-signature"
)

// Check names one step of authenticating a signature.
type Check string

const (
	CheckAnnotations     Check = "annotations"
	CheckRekorSET        Check = "rekor-set"
	CheckCertificate     Check = "certificate-chain"
	CheckOIDCIssuer      Check = "oidc-issuer"
	CheckSubjectEmail    Check = "subject-email"
	CheckSubjectHostname Check = "subject-hostname"
	CheckSignature       Check = "signature"
)

// Step records one check performed on a signature: what was required and
// what the signature offered.
type Step struct {
	Name     string `json:"name"`
	Passed   bool   `json:"passed"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
}

// Failure is the error returned when a signature is not authenticated. Its
// message is the containers image library's wording for the same rejection.
type Failure struct {
	Check    Check
	Reason   Reason
	Expected string
	Got      string
	msg      string
}

func (f *Failure) Error() string { return f.msg }

// Step returns the failed check as a trace step.
func (f *Failure) Step() Step {
	got := f.Got
	if got == "" {
		got = f.msg
	}
	return Step{Name: string(f.Check), Passed: false, Expected: f.Expected, Got: got}
}

func fail(check Check, reason Reason, expected, got, msg string) *Failure {
	return &Failure{Check: check, Reason: reason, Expected: expected, Got: got, msg: msg}
}
