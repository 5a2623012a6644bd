package verify

import (
	"time"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// DecisionMediaType names the JSON form of a Decision; it changes only when
// the schema (docs/verify-json.md) changes incompatibly.
const DecisionMediaType = "application/vnd.sigpolicy.decision.v1+json"

// Outcome separates a policy verdict from a failure to reach one.
type Outcome string

const (
	// OutcomeAllowed: every requirement allowed the image.
	OutcomeAllowed Outcome = "allowed"
	// OutcomeDenied: a requirement rejected the image (reject, missing or
	// invalid signatures, or registry answers that cannot be trusted).
	OutcomeDenied Outcome = "denied"
	// OutcomeUndecided: the decision needs something that could not be had:
	// the registry was unreachable, timed out or refused authentication, or
	// the requirement is one sigpolicy does not evaluate (signedBy).
	OutcomeUndecided Outcome = "undecided"
	// OutcomeInvalidConfig: the matching requirement could not be compiled
	// (unreadable key file, malformed PEM, non-ECDSA Rekor key, …).
	OutcomeInvalidConfig Outcome = "invalid-configuration"
)

// Decision is the verdict on one image with its explanation. Allowed is
// true only when Outcome is OutcomeAllowed.
type Decision struct {
	MediaType string `json:"mediaType"`
	// Image is the reference as given; Reference is its normalised form
	// (docker.io/library/busybox:latest).
	Image     string `json:"image"`
	Reference string `json:"reference"`
	// Digest is the manifest digest the signatures were checked against (the
	// platform instance of a manifest list), or a short name's candidate
	// looked up; empty when nothing needed the registry.
	Digest     string  `json:"digest,omitempty"`
	ListDigest string  `json:"listDigest,omitempty"`
	Allowed    bool    `json:"allowed"`
	Outcome    Outcome `json:"outcome"`
	// Reason is the first denial's reason, in the library's words where it
	// has them; when allowed, empty, or why no requirement checked anything
	// (no scope matches, insecureAcceptAnything).
	Reason string `json:"reason,omitempty"`

	PolicyFile string `json:"policyFile"`
	Transport  string `json:"transport"`
	Scope      string `json:"scope"`
	ScopeKind  string `json:"scopeKind"`

	// Attachments says where cosign signatures were looked for.
	Attachments *Attachments `json:"attachments,omitempty"`
	// Requirements holds one entry per evaluated requirement, in policy
	// order; evaluation stops at the first denial, as in the library.
	Requirements []RequirementResult `json:"requirements"`
	// NotEvaluated counts requirements after the first denial.
	NotEvaluated int `json:"notEvaluated,omitempty"`
	// Cached is true when the verdict came from the decision cache: the
	// registry still served the same image and `.sig` attachment, or, when
	// Stale, it was not asked at all.
	Cached bool `json:"cached,omitempty"`
	// Candidates, for a short name with several pull candidates, are the
	// references CRI-O tries, in order, with what each gave; the decision
	// is the one pulled (the first allowed), else the last tried.
	Candidates []Candidate `json:"candidates,omitempty"`
	// Notes say, in words, how the decision was reached beyond the
	// library's reason, allowed or not: where signatures exist that CRI-O
	// does not read (Attachments.Unseen), how a short name was read.
	Notes []string `json:"notes,omitempty"`
	// Stale is true when the cached verdict was reused without any request
	// (verify.WithStaleCache); CacheAge is then how long ago the registry
	// last proved it current.
	Stale    bool          `json:"stale,omitempty"`
	CacheAge time.Duration `json:"cacheAgeNs,omitempty"`

	// Warnings are registry answers that did not change the outcome but
	// deserve attention (a Docker-Content-Digest header that disagrees with
	// the manifest, which the library ignores too).
	Warnings []string        `json:"warnings,omitempty"`
	Requests []fetch.Request `json:"requests,omitempty"`
	Timings  Timings         `json:"timings"`
}

// Attachments records the cosign attachment lookup.
type Attachments struct {
	// Repository is the repository that served the image (a mirror or the
	// origin), where the signature tag is read.
	Repository string `json:"repository"`
	Tag        string `json:"tag,omitempty"`
	// Enabled is use-sigstore-attachments as registries.d resolves it for
	// Repository; when false no signatures are read, as in the library.
	Enabled bool `json:"enabled"`
	Count   int  `json:"count"`
	// Unseen is set when the attachment holds no signature: signatures
	// that exist where CRI-O does not read them (cosign bundles stored as
	// OCI referrers, a signature on the manifest list only, a `.sig` at the
	// origin that the serving mirror lacks). It explains a denial; it never
	// allows an image.
	Unseen *fetch.Unseen `json:"unseen,omitempty"`
}

// Timings are the durations of the decision's stages.
type Timings struct {
	Resolve    time.Duration `json:"resolveNs,omitempty"`
	Signatures time.Duration `json:"signaturesNs,omitempty"`
	Verify     time.Duration `json:"verifyNs,omitempty"`
	Total      time.Duration `json:"totalNs"`
}
