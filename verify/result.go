package verify

import (
	"time"

	"github.com/sigpolicy/sigpolicy/trust"
)

// Reason classifies a requirement or signature verdict for programs; the
// accompanying Reason text is for people, in the library's words.
type Reason string

const (
	// ReasonAccepted: the signature (or requirement) was accepted.
	ReasonAccepted Reason = "accepted"
	// ReasonNoSignatures: no cosign signature layer was found.
	ReasonNoSignatures Reason = "no-signatures"
	// ReasonRejected: several signatures, none accepted; each SignatureResult
	// carries its own code.
	ReasonRejected Reason = "rejected"
	// ReasonNotASignature: an attachment layer whose media type is not a
	// cosign simple-signing payload; skipped, as the library skips it.
	ReasonNotASignature Reason = "not-a-signature"

	ReasonMissingAnnotation Reason = Reason(trust.ReasonMissingAnnotation)
	ReasonBadSET            Reason = Reason(trust.ReasonBadSET)
	ReasonUntrustedKey      Reason = Reason(trust.ReasonUntrustedKey)
	ReasonCertChain         Reason = Reason(trust.ReasonCertChain)
	ReasonIssuerMismatch    Reason = Reason(trust.ReasonIssuerMismatch)
	ReasonEmailMismatch     Reason = Reason(trust.ReasonEmailMismatch)
	ReasonHostnameMismatch  Reason = Reason(trust.ReasonHostnameMismatch)
	ReasonInvalidSignature  Reason = Reason(trust.ReasonInvalidSignature)

	// ReasonBadPayload: the signed payload is not a well-formed cosign
	// container image signature.
	ReasonBadPayload Reason = "bad-payload"
	// ReasonDigestMismatch: the signed manifest digest is not the pulled one.
	ReasonDigestMismatch Reason = "digest-mismatch"
	// ReasonIdentityMismatch: the signed docker-reference does not satisfy
	// the requirement's signedIdentity.
	ReasonIdentityMismatch Reason = "identity-mismatch"
)

// Check names, beside those of package trust.
const (
	CheckMediaType      = "media-type"
	CheckPayload        = "payload"
	CheckManifestDigest = "manifest-digest"
	CheckIdentity       = "identity"
)

// Check is one check performed on a signature.
type Check struct {
	Name     string `json:"name"`
	Passed   bool   `json:"passed"`
	Expected string `json:"expected,omitempty"`
	Got      string `json:"got,omitempty"`
	// Hint, on a failed check, says which rule refused and what would pass
	// (set for the signed-identity check).
	Hint string `json:"hint,omitempty"`
}

// SignatureResult is the verdict on one signature layer, with the checks
// that led to it (the last one failed when the signature was rejected).
type SignatureResult struct {
	// Index is the layer's position in the attachment manifest, from 0.
	Index       int     `json:"index"`
	LayerDigest string  `json:"layerDigest,omitempty"`
	Accepted    bool    `json:"accepted"`
	Code        Reason  `json:"code"`
	Reason      string  `json:"reason,omitempty"`
	Checks      []Check `json:"checks"`
}

// RequirementResult is the verdict of one policy requirement.
type RequirementResult struct {
	Type    string `json:"type"`
	Allowed bool   `json:"allowed"`
	// Outcome separates a denial from a requirement that could not be
	// decided (a registry that did not answer, say).
	Outcome Outcome `json:"outcome"`
	Code    Reason  `json:"code"`
	// Reason is the library's wording for a denial; empty when allowed.
	Reason string `json:"reason,omitempty"`
	// RegistryError names the kind of registry failure behind a
	// registry-unavailable or registry-answer code (RegistryErrorKinds).
	RegistryError string            `json:"registryError,omitempty"`
	Signatures    []SignatureResult `json:"signatures,omitempty"`
	// ValidUntil is when an allowed verdict stops holding because a
	// certificate of the accepted PKI chain expires; zero means never.
	ValidUntil time.Time `json:"validUntil,omitzero"`
}
