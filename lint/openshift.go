package lint

import (
	"fmt"
	"slices"

	"github.com/sigpolicy/sigpolicy/policy"
)

// reservedNames flags user-made ClusterImagePolicies whose name begins with
// "openshift": the product reserves those names for the system.
func reservedNames(set *policy.Set) []Finding {
	var out []Finding
	for _, o := range set.Objects {
		if !o.UserReservedName() {
			continue
		}
		out = append(out, Finding{Severity: SeverityWarning, Type: TypeReservedName, Object: objectOf(o), Source: o.Source.String(),
			Message: fmt.Sprintf("%s: ClusterImagePolicy names beginning with \"openshift\" are reserved for the system (the release payload installs ClusterImagePolicy %s); rename it", objectOf(o), policy.OpenShiftPolicyName)})
	}
	return out
}

// andedWithRelease flags user ClusterImagePolicies that name a scope a
// release-managed policy (the default "openshift" one) also names: both
// requirements apply, so release images need a signature accepted by the
// user policy too, or the cluster cannot pull its own payload.
func andedWithRelease(set *policy.Set) []Finding {
	release := map[string][]string{} // scope → release-managed policies
	for _, o := range set.Objects {
		if o.Kind == policy.KindClusterImagePolicy && o.ReleaseManaged() {
			for _, s := range o.Scopes {
				release[string(s)] = append(release[string(s)], o.Meta.Name)
			}
		}
	}
	var out []Finding
	for _, o := range set.Objects {
		if o.Kind != policy.KindClusterImagePolicy || o.ReleaseManaged() {
			continue
		}
		for _, s := range o.Scopes {
			owners := release[string(s)]
			if len(owners) == 0 {
				continue
			}
			out = append(out, Finding{Severity: SeverityWarning, Type: TypeANDedWithRelease, Object: objectOf(o), Source: o.Source.String(), Scope: string(s),
				Message: fmt.Sprintf("%s names scope %q, which the release-managed ClusterImagePolicy %s also names: the requirements are ANDed, so every release image under it must also carry a signature %s accepts, or the cluster cannot pull its own payload (upgrades and node replacements stall)",
					objectOf(o), s, slices.Sorted(slices.Values(owners)), objectOf(o))})
		}
	}
	return out
}
