package audit_test

import (
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/verify"
)

// TestClassifyAllowedCandidateNotPulled: a short name whose candidate the
// policy allows (unscoped: nothing to sign) but no registry serves is not a
// missing signature.
func TestClassifyAllowedCandidateNotPulled(t *testing.T) {
	allowed := []verify.RequirementResult{{Type: "insecureAcceptAnything", Allowed: true, Outcome: verify.OutcomeAllowed}}
	for _, tc := range []struct {
		outcome       verify.Outcome
		registryError string
		reason        string
		want          audit.Cause
	}{
		{verify.OutcomeUndecided, "not-found", "pulling docker.io/library/app:latest: reading manifest latest in docker.io/library/app: manifest not found", audit.CauseImageNotFound},
		{verify.OutcomeUndecided, "unavailable", "pulling docker.io/library/app:latest: reading manifest latest in docker.io/library/app: registry unavailable", audit.CauseRegistryUnavailable},
		{verify.OutcomeDenied, "digest-mismatch", "pulling docker.io/library/app:latest: reading manifest latest in docker.io/library/app: digest mismatch", audit.CauseRegistryAnswer},
	} {
		d := &verify.Decision{Image: "app", Reference: "docker.io/library/app:latest", Outcome: tc.outcome, Reason: tc.reason, Requirements: allowed,
			Candidates: []verify.Candidate{{Reference: "docker.io/library/app:latest", Outcome: tc.outcome, Reason: tc.reason, RegistryError: tc.registryError}}}
		cause, remedy := audit.Classify(d)
		if cause != tc.want || !strings.Contains(remedy, tc.reason) {
			t.Errorf("%s: cause %s, remedy %q; want %s naming the reason", tc.reason, cause, remedy, tc.want)
		}
	}
}
