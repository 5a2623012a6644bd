package audit

import (
	"fmt"
	"strings"

	"github.com/sigpolicy/sigpolicy/verify"
)

// Cause says why CRI-O would not pull an image, for programs; docs/audit.md
// documents each one. Allowed images have none.
type Cause string

// The causes.
const (
	// CauseNoSignature: no signature where CRI-O reads it (the .sig
	// attachment of the repository that serves the image), nor anywhere
	// else audit looked.
	CauseNoSignature Cause = "no-signature"
	// CauseSignatureNotMirrored: the mirror that serves the image lacks the
	// .sig attachment the origin has.
	CauseSignatureNotMirrored Cause = "signature-not-mirrored"
	// CauseSignatureInBundle: the only signature is a cosign bundle (or
	// cosign signature) stored as an OCI referrer, which CRI-O never reads.
	CauseSignatureInBundle Cause = "signature-in-bundle"
	// CauseIndexSignedOnly: the manifest list is signed, the platform image
	// CRI-O pulls (and checks) is not.
	CauseIndexSignedOnly Cause = "index-signed-only"
	// CauseAttachmentsDisabled: registries.d does not enable
	// use-sigstore-attachments for the repository that serves the image,
	// so no signature is read at all.
	CauseAttachmentsDisabled Cause = "attachments-disabled"
	// CauseIdentityMismatch: a trusted signature claims an identity the
	// policy's signedIdentity rule does not accept.
	CauseIdentityMismatch Cause = "identity-mismatch"
	// CauseDigestMismatch: a trusted signature signs another manifest.
	CauseDigestMismatch Cause = "digest-mismatch"
	// CauseUntrustedSigner: the signature does not verify under the
	// policy's keys, or its certificate names another signer (OIDC issuer,
	// email, hostname).
	CauseUntrustedSigner Cause = "untrusted-signer"
	// CauseCertificateInvalid: the signing certificate does not chain to
	// the policy's CA (unknown root, missing intermediate, expired).
	CauseCertificateInvalid Cause = "certificate-invalid"
	// CauseRekorSETInvalid: the Rekor SET is missing, from another log, or
	// does not describe the signature.
	CauseRekorSETInvalid Cause = "rekor-set-invalid"
	// CauseSignatureMalformed: the signature layer is not a well-formed
	// cosign signature (missing annotation, malformed payload).
	CauseSignatureMalformed Cause = "signature-malformed"
	// CausePolicyReject: the scope's requirement is reject.
	CausePolicyReject Cause = "policy-reject"
	// CauseUnsupported: a requirement sigpolicy (or the library) does not
	// evaluate: signedBy, signedBaseLayer.
	CauseUnsupported Cause = "unsupported-requirement"
	// CauseInvalidConfiguration: the requirement cannot be compiled (bad
	// key, non-ECDSA Rekor key); CRI-O fails these pulls too.
	CauseInvalidConfiguration Cause = "invalid-configuration"
	// CauseImageNotFound: no source serves the image (undecided).
	CauseImageNotFound Cause = "image-not-found"
	// CauseRegistryUnavailable: the registry could not be asked: network,
	// timeout, authentication, 429/5xx after retries (undecided).
	CauseRegistryUnavailable Cause = "registry-unavailable"
	// CauseRegistryAnswer: the registry answered with something that cannot
	// be trusted (wrong media type, digest mismatch, oversized or truncated
	// content, redirect loop); a denial.
	CauseRegistryAnswer Cause = "registry-answer"
	// CauseInvalidReference: the input is not an image reference.
	CauseInvalidReference Cause = "invalid-reference"
)

// Causes lists every cause in documentation order.
var Causes = []Cause{
	CauseNoSignature, CauseSignatureNotMirrored, CauseSignatureInBundle, CauseIndexSignedOnly,
	CauseAttachmentsDisabled, CauseIdentityMismatch, CauseDigestMismatch, CauseUntrustedSigner,
	CauseCertificateInvalid, CauseRekorSETInvalid, CauseSignatureMalformed, CausePolicyReject,
	CauseUnsupported, CauseInvalidConfiguration, CauseImageNotFound, CauseRegistryUnavailable,
	CauseRegistryAnswer, CauseInvalidReference,
}

// Classify names the cause of a decision that does not allow the image,
// and its remedy; both are "" for an allowed image.
func Classify(d *verify.Decision) (Cause, string) {
	if d == nil || d.Allowed {
		return "", ""
	}
	if len(d.Requirements) == 0 {
		return CauseInvalidConfiguration, "the policy has no requirement for this image (" + d.Reason + "): fix policy.json"
	}
	last := d.Requirements[len(d.Requirements)-1]
	if last.Allowed {
		return pullFailed(d)
	}
	switch last.Code {
	case verify.ReasonPolicyReject:
		return CausePolicyReject, fmt.Sprintf("the policy rejects every image of scope %s; if this image must run, allow its registry in the cluster image configuration (allowedRegistries/blockedRegistries)", scopeName(d))
	case verify.ReasonUnsupported:
		return CauseUnsupported, fmt.Sprintf("the %s requirement of scope %s is not evaluated (%s): replace it with a ClusterImagePolicy (sigstoreSigned)", last.Type, scopeName(d), last.Reason)
	case verify.ReasonInvalidConfig:
		return CauseInvalidConfiguration, fmt.Sprintf("the requirement of scope %s cannot be used (%s): fix the policy's rootOfTrust", scopeName(d), last.Reason)
	case verify.ReasonRegistryUnavailable:
		if last.RegistryError == "not-found" {
			return CauseImageNotFound, "neither a mirror nor the origin serves this manifest: mirror the image, or correct the reference"
		}
		return CauseRegistryUnavailable, fmt.Sprintf("the registry could not be asked (%s): check the network, the registry credentials and rate limits, then resume the audit from this output to retry only the undecided images", last.RegistryError)
	case verify.ReasonRegistryAnswer:
		return CauseRegistryAnswer, fmt.Sprintf("the registry's answer cannot be trusted (%s) and CRI-O refuses it too: repair the registry or the mirrored content", last.RegistryError)
	case verify.ReasonNoSignatures:
		return noSignature(d)
	}
	sig, ok := deciding(last)
	if !ok {
		return noSignature(d)
	}
	return signatureCause(d, sig)
}

// pullFailed explains a decision whose requirements allow the image but
// whose pull failed: a short name's unscoped candidate, which verify looks
// up as CRI-O pulls it; its reason is the registry's error.
func pullFailed(d *verify.Decision) (Cause, string) {
	switch {
	case d.Outcome != verify.OutcomeUndecided:
		return CauseRegistryAnswer, fmt.Sprintf("the policy allows the image but the registry's answer cannot be trusted (%s) and CRI-O refuses it too: repair the registry or the mirrored content", d.Reason)
	case len(d.Candidates) > 0 && d.Candidates[len(d.Candidates)-1].RegistryError == "not-found":
		return CauseImageNotFound, fmt.Sprintf("the policy allows the image but no registry serves it (%s): mirror the image, or correct the reference", d.Reason)
	}
	return CauseRegistryUnavailable, fmt.Sprintf("the policy allows the image but the registry could not be asked (%s): check the network, the registry credentials and rate limits, then resume the audit from this output to retry only the undecided images", d.Reason)
}

func scopeName(d *verify.Decision) string {
	if d.ScopeKind == "default" {
		return "default"
	}
	return fmt.Sprintf("%q", d.Scope)
}

// noSignature distinguishes why no signature was found.
func noSignature(d *verify.Decision) (Cause, string) {
	att := d.Attachments
	target := signTarget(d)
	if att == nil {
		return CauseNoSignature, "sign " + target + " with the key or identity the policy trusts"
	}
	if !att.Enabled {
		return CauseAttachmentsDisabled, fmt.Sprintf("registries.d does not enable use-sigstore-attachments for %s, so CRI-O reads no signature there: the MCO writes it for every policy scope and its mirrors; check the mirror configuration (ImageDigestMirrorSet/ImageTagMirrorSet) and /etc/containers/registries.d", att.Repository)
	}
	sigTag := att.Repository + ":" + att.Tag
	if u := att.Unseen; u != nil && att.Count == 0 {
		switch {
		case u.OriginSignature != "":
			return CauseSignatureNotMirrored, "oc image mirror " + u.OriginSignature + " " + sigTag
		case len(u.Referrers) > 0:
			r := u.Referrers[0]
			return CauseSignatureInBundle, fmt.Sprintf("CRI-O reads only %s, but the signature is stored as an OCI referrer (%s, %s): sign %s again in cosign's .sig format (cosign v2, or cosign v3 with --new-bundle-format=false)", sigTag, r.Digest, r.ArtifactType, target)
		case u.IndexSignature != "":
			return CauseIndexSignedOnly, fmt.Sprintf("the manifest list is signed (%s) but CRI-O checks the platform image it pulls (%s): sign every platform image, e.g. cosign sign --recursive %s@%s", u.IndexSignature, d.Digest, repoOf(d.Reference), d.ListDigest)
		}
	}
	remedy := fmt.Sprintf("sign %s with the key or identity the policy trusts, so that %s exists", target, sigTag)
	if mirrored(d) && (att.Unseen == nil || len(att.Unseen.Errors) > 0) {
		remedy += "; if the origin holds the signature (it could not be checked), copy it: oc image mirror " + repoOf(d.Reference) + ":" + att.Tag + " " + sigTag
	}
	return CauseNoSignature, remedy
}

// mirrored reports whether another repository than the reference's served
// the image.
func mirrored(d *verify.Decision) bool {
	return d.Attachments != nil && d.Attachments.Repository != repoOf(d.Reference)
}

// signTarget is the image to sign: the reference's repository at the
// digest CRI-O checks.
func signTarget(d *verify.Decision) string {
	if d.Digest == "" {
		return d.Reference
	}
	return repoOf(d.Reference) + "@" + d.Digest
}

// repoOf strips the tag or digest of a normalised reference.
func repoOf(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		ref = ref[:i]
	}
	return ref
}

// stage orders signature codes by how far a signature got through the
// checks (annotations, SET, certificate, subject, signature, payload,
// digest, identity): the furthest one explains the denial best.
var stage = map[verify.Reason]int{
	verify.ReasonMissingAnnotation: 1,
	verify.ReasonBadSET:            2,
	verify.ReasonUntrustedKey:      2,
	verify.ReasonCertChain:         3,
	verify.ReasonIssuerMismatch:    4,
	verify.ReasonEmailMismatch:     4,
	verify.ReasonHostnameMismatch:  4,
	verify.ReasonInvalidSignature:  5,
	verify.ReasonBadPayload:        6,
	verify.ReasonDigestMismatch:    7,
	verify.ReasonIdentityMismatch:  8,
}

// deciding picks the signature that explains the requirement's denial: the
// first of those that got furthest.
func deciding(r verify.RequirementResult) (verify.SignatureResult, bool) {
	best, bestStage := verify.SignatureResult{}, 0
	for _, s := range r.Signatures {
		if st := stage[s.Code]; st > bestStage {
			best, bestStage = s, st
		}
	}
	return best, bestStage > 0
}

func signatureCause(d *verify.Decision, s verify.SignatureResult) (Cause, string) {
	failed := failedCheck(s)
	switch s.Code {
	case verify.ReasonIdentityMismatch:
		return CauseIdentityMismatch, identityRemedy(failed)
	case verify.ReasonDigestMismatch:
		return CauseDigestMismatch, fmt.Sprintf("the signature signs manifest %s, not the pulled %s (a re-pushed or rebuilt image needs its own signature): sign %s", failed.Got, d.Digest, signTarget(d))
	case verify.ReasonBadPayload, verify.ReasonMissingAnnotation:
		return CauseSignatureMalformed, fmt.Sprintf("the signature layer is not a well-formed cosign signature (%s): sign %s again with cosign", describe(failed, s.Reason), signTarget(d))
	case verify.ReasonCertChain:
		return CauseCertificateInvalid, fmt.Sprintf("the signing certificate does not chain to the policy's CA at the time checked (%s): include the intermediates in the policy (PKI caIntermediatesData) or in the signature's chain, or sign again with a certificate valid now", describe(failed, s.Reason))
	case verify.ReasonBadSET, verify.ReasonUntrustedKey: // a SET for another key does not describe this signature
		return CauseRekorSETInvalid, fmt.Sprintf("the Rekor SET is missing or not from the log the policy trusts (%s): sign with upload to that log, or correct rekorKeyData", describe(failed, s.Reason))
	default: // invalid signature, issuer/email/hostname
		return CauseUntrustedSigner, fmt.Sprintf("the signature is not from a signer the policy trusts (%s): sign %s with the trusted key or identity, or add this signer to the policy's rootOfTrust", describe(failed, s.Reason), signTarget(d))
	}
}

// failedCheck is the last failed check of a signature.
func failedCheck(s verify.SignatureResult) verify.Check {
	for i := len(s.Checks) - 1; i >= 0; i-- {
		if !s.Checks[i].Passed {
			return s.Checks[i]
		}
	}
	return verify.Check{}
}

func describe(c verify.Check, fallback string) string {
	if c.Name == "" || (c.Expected == "" && c.Got == "") {
		return fallback
	}
	return fmt.Sprintf("%s: expected %s, got %s", c.Name, orNone(c.Expected), orNone(c.Got))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// identityRemedy names the rule that refused the signed identity and what
// would pass (the verify trace's hint for that check).
func identityRemedy(c verify.Check) string {
	rule, _, _ := strings.Cut(c.Expected, " ")
	msg := fmt.Sprintf("the signature claims %q, which %s does not accept (it expects %s)", c.Got, rule, c.Expected)
	if c.Hint == "" {
		return msg + ": sign with an identity the rule accepts, or change the policy's signedIdentity"
	}
	return msg + ": " + c.Hint
}
