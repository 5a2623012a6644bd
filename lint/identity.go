package lint

import (
	"fmt"

	configv1 "github.com/openshift/api/config/v1"

	"github.com/sigpolicy/sigpolicy/policy"
)

// untaggedIdentity notes policies under matchRepoDigestOrExact (written, or
// the default when signedIdentity is omitted): the library never accepts a
// signature whose identity names no tag or digest (IsNameOnly), not even
// for pulls by digest — and plain "cosign sign" writes exactly such an
// identity.
func untaggedIdentity(set *policy.Set) []Finding {
	var out []Finding
	for _, o := range set.Objects {
		how := "sets signedIdentity.matchPolicy " + string(configv1.IdentityMatchPolicyMatchRepoDigestOrExact)
		switch {
		case o.Policy.SignedIdentity == nil:
			how = "omits signedIdentity, so " + string(configv1.IdentityMatchPolicyMatchRepoDigestOrExact) + " applies"
		case o.Policy.SignedIdentity.MatchPolicy != configv1.IdentityMatchPolicyMatchRepoDigestOrExact:
			continue
		}
		out = append(out, Finding{Severity: SeverityInfo, Type: TypeUntaggedIdentityRefused, Object: objectOf(o), Source: o.Source.String(), Namespace: o.Meta.Namespace,
			Message: fmt.Sprintf("%s %s: a signature whose identity names no tag — what plain \"cosign sign IMAGE@DIGEST\" writes — is never accepted, not even for pulls by digest; "+
				"if the images are signed that way, set matchPolicy %s, or sign with an identity that names the tag (cosign sign --sign-container-identity HOST/REPO:TAG)",
				objectOf(o), how, configv1.IdentityMatchPolicyMatchRepository)})
	}
	return out
}

// fulcioEmailOnly notes Fulcio policies: the API can only require an email
// SAN, and the certificates Fulcio issues to CI workflows (GitHub Actions,
// GitLab CI, Buildkite, …) carry a URI SAN instead, so such a policy accepts
// keyless signatures by people (or email-bearing service accounts) only.
func fulcioEmailOnly(set *policy.Set) []Finding {
	var out []Finding
	for _, o := range set.Objects {
		f := o.Policy.RootOfTrust.FulcioCAWithRekor
		if o.Policy.RootOfTrust.PolicyType != configv1.FulcioCAWithRekorRootOfTrust || f == nil {
			continue
		}
		out = append(out, Finding{Severity: SeverityInfo, Type: TypeFulcioEmailOnly, Object: objectOf(o), Source: o.Source.String(), Namespace: o.Meta.Namespace,
			Message: fmt.Sprintf("%s requires a Fulcio certificate for email %q from issuer %q: certificates Fulcio issues to CI workflows carry a URI SAN and no email, so signatures made by a CI pipeline's keyless identity are never accepted under this policy",
				objectOf(o), f.FulcioSubject.SignedEmail, f.FulcioSubject.OIDCIssuer)})
	}
	return out
}

// v1alpha1Manifests notes objects written for config.openshift.io/v1alpha1:
// current clusters serve the policies as v1 only, so applying such a
// manifest fails there.
func v1alpha1Manifests(set *policy.Set) []Finding {
	var out []Finding
	for _, o := range set.Objects {
		if o.APIVersion != "config.openshift.io/v1alpha1" {
			continue
		}
		out = append(out, Finding{Severity: SeverityWarning, Type: TypeV1Alpha1Manifest, Object: objectOf(o), Source: o.Source.String(), Namespace: o.Meta.Namespace,
			Message: fmt.Sprintf("%s is written for config.openshift.io/v1alpha1, which current clusters no longer serve: \"oc apply\" fails there; change apiVersion to config.openshift.io/v1 (the spec is the same)", objectOf(o))})
	}
	return out
}
