package audit

import (
	"github.com/sigpolicy/sigpolicy/verify"
)

// OutcomeInvalidReference is the outcome of an input line that is not an
// image reference; the others are verify's outcomes.
const OutcomeInvalidReference = "invalid-reference"

// Result is the audit of one image: one JSON Lines object (docs/audit.md).
type Result struct {
	// Image is the reference as given; From, where it was read.
	Image string `json:"image"`
	From  string `json:"from,omitempty"`
	// Digest is the manifest digest CRI-O checks (the platform instance of a
	// manifest list); empty when no requirement needed the registry.
	Digest  string `json:"digest,omitempty"`
	Allowed bool   `json:"allowed"`
	// Outcome is verify's outcome (allowed, denied, undecided,
	// invalid-configuration) or invalid-reference.
	Outcome string `json:"outcome"`
	Cause   Cause  `json:"cause,omitempty"`
	Remedy  string `json:"remedy,omitempty"`
	// Source is the repository that served the image (a mirror or the
	// origin), where CRI-O reads its signatures.
	Source string `json:"source,omitempty"`
	// Reason is the decision's reason, in the containers library's words
	// where it has them; Notes say where unseen signatures are.
	Reason string   `json:"reason,omitempty"`
	Notes  []string `json:"notes,omitempty"`
	Policy string   `json:"policy,omitempty"`
	Scope  string   `json:"scope,omitempty"`
}

// Decided reports whether the result is a verdict that a later run need
// not repeat: anything but undecided.
func (r Result) Decided() bool { return r.Outcome != string(verify.OutcomeUndecided) }

// resultOf turns a decision (or the error that prevented one) into a Result.
func resultOf(ref Ref, d *verify.Decision, err error) Result {
	r := Result{Image: ref.Image, From: ref.From}
	if err != nil || d == nil {
		r.Outcome, r.Cause = OutcomeInvalidReference, CauseInvalidReference
		if err != nil {
			r.Reason = err.Error()
		}
		r.Remedy = "not an image reference: correct the input"
		return r
	}
	r.Digest, r.Allowed, r.Outcome = d.Digest, d.Allowed, string(d.Outcome)
	r.Reason, r.Notes, r.Policy, r.Scope = d.Reason, d.Notes, d.PolicyFile, d.Scope
	if d.Attachments != nil {
		r.Source = d.Attachments.Repository
	}
	r.Cause, r.Remedy = Classify(d)
	return r
}
