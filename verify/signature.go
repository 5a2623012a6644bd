package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

// UntrustedSignature is one layer of a cosign signature attachment, exactly
// as the registry served it.
type UntrustedSignature struct {
	MediaType   string
	Payload     []byte
	Annotations map[string]string
	LayerDigest string
}

// SigstoreVerifier evaluates one sigstoreSigned requirement. It is compiled
// once (keys, certificates and the signedIdentity parsed) and is immutable
// and safe for concurrent use.
type SigstoreVerifier struct {
	trust    *trust.Sigstore
	identity identityRule
	// fingerprint identifies the trust material and the identity rule, for
	// cache keys; "" when the material cannot be fingerprinted.
	fingerprint string
}

// NewSigstoreVerifier compiles a sigstoreSigned requirement. An error means
// the requirement cannot be evaluated at all (a key or CA file unreadable or
// malformed, a non-ECDSA Rekor key, an invalid signedIdentity); it is a
// configuration error, not a denial.
func NewSigstoreVerifier(req *node.SigstoreRequirement) (*SigstoreVerifier, error) {
	if req == nil {
		return nil, errors.New("no sigstoreSigned requirement to compile")
	}
	t, err := trust.Compile(req)
	if err != nil {
		return nil, err
	}
	id, err := compileIdentity(req.SignedIdentity)
	if err != nil {
		return nil, err
	}
	v := &SigstoreVerifier{trust: t, identity: id}
	if fp := t.Fingerprint(); fp != "" {
		// Plain data: Marshal cannot fail.
		rule, _ := json.Marshal(req.SignedIdentity)
		v.fingerprint = fp + " " + string(rule)
	}
	return v, nil
}

// Evaluate is EvaluateAt with the current time.
func (v *SigstoreVerifier) Evaluate(image reference.Named, manifestDigest digest.Digest, sigs []UntrustedSignature) RequirementResult {
	return v.EvaluateAt(time.Now(), image, manifestDigest, sigs)
}

// EvaluateAt decides the requirement for image, whose pulled manifest has
// manifestDigest, given its cosign signature layers in attachment order; now
// is the time PKI chains are verified at. The first accepted signature
// allows the image; layers that are not simple-signing payloads are skipped.
// The result always explains itself; it is never an error: every failure is
// a denial with the library's wording.
func (v *SigstoreVerifier) EvaluateAt(now time.Time, image reference.Named, manifestDigest digest.Digest, sigs []UntrustedSignature) RequirementResult {
	return v.evaluate(now, image, pulled{digest: manifestDigest}, sigs)
}

// EvaluateManifestAt is EvaluateAt given the pulled manifest itself, as the
// library is: a signature of the manifest under another digest algorithm
// than manifestDigest's (a sha256 signature of an image pulled by sha512) is
// then accepted too.
func (v *SigstoreVerifier) EvaluateManifestAt(now time.Time, image reference.Named, manifestBytes []byte, manifestDigest digest.Digest, sigs []UntrustedSignature) RequirementResult {
	return v.evaluate(now, image, pulled{digest: manifestDigest, body: manifestBytes}, sigs)
}

// pulled is the manifest signatures must sign: its digest, and its bytes
// when known.
type pulled struct {
	digest digest.Digest
	body   []byte
}

// signedBy reports whether a signature of d covers the manifest, as the
// library's manifest.MatchesDigest decides.
func (p pulled) signedBy(d digest.Digest) bool {
	if d == p.digest {
		return true
	}
	if p.body == nil {
		return false
	}
	ok, err := manifest.MatchesDigest(p.body, d)
	return err == nil && ok
}

// evaluate decides and makes the result safe to print: every text in it
// may quote what the signatures carry (media types, claims, certificate
// fields, parse errors).
func (v *SigstoreVerifier) evaluate(now time.Time, image reference.Named, m pulled, sigs []UntrustedSignature) RequirementResult {
	res := v.decide(now, image, m, sigs)
	res.sanitize()
	return res
}

// sanitize escapes and caps every text of r (package safetext). The reason
// of a requirement joins its signatures' reasons, each already capped.
func (r *RequirementResult) sanitize() {
	for i := range r.Signatures {
		s := &r.Signatures[i]
		s.Reason = safetext.String(s.Reason)
		s.LayerDigest = safetext.String(s.LayerDigest)
		for j := range s.Checks {
			c := &s.Checks[j]
			c.Name, c.Expected, c.Got, c.Hint = safetext.String(c.Name), safetext.String(c.Expected), safetext.String(c.Got), safetext.String(c.Hint)
		}
	}
	r.Reason = safetext.Capped(r.Reason, maxReasonText)
}

// maxReasonText caps a requirement's or decision's reason: it may list
// every rejected signature's reason, as the library's message does.
const maxReasonText = 8 * safetext.MaxLen

func (v *SigstoreVerifier) decide(now time.Time, image reference.Named, m pulled, sigs []UntrustedSignature) RequirementResult {
	res := RequirementResult{Type: string(node.SigstoreSigned), Signatures: make([]SignatureResult, 0, len(sigs))}
	var rejected []int // indices in res.Signatures
	skipped := 0
	for i, sig := range sigs {
		if sig.MediaType != trust.SimpleSigningMediaType {
			skipped++
			res.Signatures = append(res.Signatures, SignatureResult{
				Index: i, LayerDigest: sig.LayerDigest, Code: ReasonNotASignature,
				Reason: fmt.Sprintf("not a sigstore signature: media type %q", sig.MediaType),
				Checks: []Check{{Name: CheckMediaType, Expected: trust.SimpleSigningMediaType, Got: sig.MediaType}},
			})
			continue
		}
		sr, validUntil := v.evaluateSignature(now, image, m, sig)
		sr.Index = i
		res.Signatures = append(res.Signatures, sr)
		if sr.Accepted {
			res.Allowed, res.Code, res.ValidUntil = true, ReasonAccepted, validUntil
			return res
		}
		rejected = append(rejected, len(res.Signatures)-1)
	}
	switch len(rejected) {
	case 0:
		res.Code = ReasonNoSignatures
		res.Reason = "A signature was required, but no signature exists"
		if skipped > 0 {
			// Every layer here is a sigstore attachment: the library's count
			// of non-sigstore (simple signing) signatures is always 0.
			res.Reason = fmt.Sprintf("A signature was required, but no signature exists (%d non-sigstore signatures, %d sigstore non-signature attachments)", 0, skipped)
		}
	case 1:
		only := res.Signatures[rejected[0]]
		res.Code, res.Reason = only.Code, only.Reason
	default:
		reasons := make([]string, len(rejected))
		for i, r := range rejected {
			reasons[i] = res.Signatures[r].Reason
		}
		res.Code = ReasonRejected
		res.Reason = "None of the signatures were accepted, reasons: " + strings.Join(reasons, "; ")
	}
	return res
}

// evaluateSignature runs every check on one simple-signing layer, in the
// library's order: trust (SET, certificate, signature), then the payload,
// the manifest digest and the signed identity.
func (v *SigstoreVerifier) evaluateSignature(now time.Time, image reference.Named, m pulled, sig UntrustedSignature) (SignatureResult, time.Time) {
	sr := SignatureResult{LayerDigest: sig.LayerDigest}
	auth, err := v.trust.Authenticate(sig.Payload, sig.Annotations, now)
	sr.Checks = make([]Check, len(auth.Steps), len(auth.Steps)+3)
	for i, s := range auth.Steps {
		sr.Checks[i] = Check{Name: s.Name, Passed: s.Passed, Expected: s.Expected, Got: s.Got}
	}
	if err != nil {
		var f *trust.Failure
		if errors.As(err, &f) {
			sr.Code = Reason(f.Reason)
		} else {
			sr.Code = ReasonInvalidSignature
		}
		sr.Reason = err.Error()
		return sr, time.Time{}
	}

	claims, err := parsePayload(sig.Payload)
	if err != nil {
		return sr.reject(ReasonBadPayload, Check{Name: CheckPayload, Expected: "a " + cosignSignatureType, Got: err.Error()}, err.Error()), time.Time{}
	}
	sr.Checks = append(sr.Checks, Check{Name: CheckPayload, Passed: true, Expected: "a " + cosignSignatureType, Got: "well-formed"})

	if !m.signedBy(claims.manifestDigest) {
		return sr.reject(ReasonDigestMismatch,
			Check{Name: CheckManifestDigest, Expected: m.digest.String(), Got: claims.manifestDigest.String()},
			fmt.Sprintf("Signature for digest %s does not match", claims.manifestDigest)), time.Time{}
	}
	sr.Checks = append(sr.Checks, Check{Name: CheckManifestDigest, Passed: true, Expected: m.digest.String(), Got: claims.manifestDigest.String()})

	idCheck := Check{Name: CheckIdentity, Expected: v.identity.expected(image), Got: claims.dockerReference}
	if !v.identity.matches(image, claims.dockerReference) {
		idCheck.Hint = v.identity.explain(image, claims.dockerReference)
		return sr.reject(ReasonIdentityMismatch, idCheck,
			fmt.Sprintf("Signature for identity %q is not accepted", claims.dockerReference)), time.Time{}
	}
	idCheck.Passed = true
	sr.Checks = append(sr.Checks, idCheck)
	sr.Accepted, sr.Code = true, ReasonAccepted
	return sr, auth.ValidUntil
}

func (sr SignatureResult) reject(code Reason, failed Check, reason string) SignatureResult {
	sr.Checks = append(sr.Checks, failed)
	sr.Code, sr.Reason = code, reason
	return sr
}
