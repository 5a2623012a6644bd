package lint

import (
	"fmt"

	configv1 "github.com/openshift/api/config/v1"

	"github.com/sigpolicy/sigpolicy/policy"
)

// defaultIdentity notes policies that omit signedIdentity: the default,
// matchRepoDigestOrExact, needs a signature identity with the pulled tag
// unless the image is pulled by digest, and plain "cosign sign" writes an
// identity without a tag.
func defaultIdentity(set *policy.Set) []Finding {
	var out []Finding
	for _, o := range set.Objects {
		if o.Policy.SignedIdentity != nil {
			continue
		}
		out = append(out, Finding{Severity: SeverityInfo, Type: TypeDefaultIdentityNoTag, Object: objectOf(o), Source: o.Source.String(), Namespace: o.Meta.Namespace,
			Message: fmt.Sprintf("%s omits signedIdentity, so %s applies: a signature whose identity has no tag — what plain \"cosign sign\" writes — is accepted only for pulls by digest, and pulls by tag are denied; set signedIdentity.matchPolicy to %s if the images are signed that way",
				objectOf(o), configv1.IdentityMatchPolicyMatchRepoDigestOrExact, configv1.IdentityMatchPolicyMatchRepository)})
	}
	return out
}
