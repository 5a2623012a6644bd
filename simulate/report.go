package simulate

import (
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/verify"
)

// ReportMediaType names the JSON form of a Report; it changes only when the
// schema changes incompatibly.
const ReportMediaType = "application/vnd.sigpolicy.simulation.v1+json"

// OutcomeError is the outcome of a pull that could not be evaluated at all,
// such as an image reference that does not parse; Pull.Reason says why.
const OutcomeError verify.Outcome = "error"

// Report is a simulation's result: every pull, grouped by namespace in
// name order.
type Report struct {
	MediaType  string            `json:"mediaType"`
	Namespaces []NamespaceReport `json:"namespaces"`
	Summary    Summary           `json:"summary"`
	// Warnings are policy requirements that could not be compiled: every
	// pull under them is invalid-configuration.
	Warnings []string `json:"warnings,omitempty"`
	// Notes are the manifest documents that were skipped.
	Notes []string `json:"notes,omitempty"`
}

// NamespaceReport is one namespace's pulls.
type NamespaceReport struct {
	Namespace string `json:"namespace"`
	// PolicyFile is the file CRI-O reads for this namespace: its own
	// rendered /etc/crio/policies/<namespace>.json, or the cluster's
	// /etc/containers/policy.json.
	PolicyFile string `json:"policyFile"`
	// Findings are the MCO surprises that change this namespace's policy.
	Findings []Finding `json:"findings,omitempty"`
	Pulls    []Pull    `json:"pulls"`
}

// Pull is the decision on one container's image. Containers naming the same
// image under the same policy file share one Decision.
type Pull struct {
	Container
	Outcome verify.Outcome `json:"outcome"`
	// Reason is why the pull is not allowed; when allowed, empty, or why no
	// requirement checked anything (the decision's Reason).
	Reason   string           `json:"reason,omitempty"`
	Decision *verify.Decision `json:"decision,omitempty"`
}

// Finding is a policy.Finding that affects a namespace.
type Finding struct {
	Type            string   `json:"type"`
	ImagePolicy     string   `json:"imagePolicy"` // namespace/name
	Scope           string   `json:"scope"`
	ClusterScope    string   `json:"clusterScope"`
	ClusterPolicies []string `json:"clusterPolicies"`
	Message         string   `json:"message"`
}

func findingOf(f policy.Finding) Finding {
	return Finding{
		Type: f.Type, ImagePolicy: f.Namespace + "/" + f.Name, Scope: f.Scope,
		ClusterScope: f.ClusterScope, ClusterPolicies: f.ClusterPolicies, Message: f.Message,
	}
}

// Summary counts pulls by outcome; Decisions is the number of distinct
// decisions that were made for them.
type Summary struct {
	Pulls     int `json:"pulls"`
	Allowed   int `json:"allowed"`
	Denied    int `json:"denied"`
	Undecided int `json:"undecided"`
	// Invalid counts invalid-configuration decisions and pulls that could
	// not be evaluated (OutcomeError).
	Invalid   int `json:"invalid"`
	Decisions int `json:"decisions"`
}

func (s *Summary) add(o verify.Outcome) {
	s.Pulls++
	switch o {
	case verify.OutcomeAllowed:
		s.Allowed++
	case verify.OutcomeDenied:
		s.Denied++
	case verify.OutcomeUndecided:
		s.Undecided++
	default:
		s.Invalid++
	}
}

// Outcomes returns every pull's outcome, namespace by namespace.
func (r *Report) Outcomes() []verify.Outcome {
	var out []verify.Outcome
	for _, ns := range r.Namespaces {
		for _, p := range ns.Pulls {
			out = append(out, p.Outcome)
		}
	}
	return out
}
