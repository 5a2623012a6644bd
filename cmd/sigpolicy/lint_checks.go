package main

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	configv1 "github.com/openshift/api/config/v1"

	"github.com/sigpolicy/sigpolicy/policy"
)

// lintSeverity ranks a lint finding; info never fails the command.
type lintSeverity string

const (
	severityError   lintSeverity = "error"
	severityWarning lintSeverity = "warning"
	severityInfo    lintSeverity = "info"
)

// Lint finding types, beside policy.FindingTagDigestOverride.
const (
	lintInvalid              = "Invalid"
	lintUnloadableTrust      = "UnloadableTrustMaterial"
	lintRenderRefused        = "RenderRefused"
	lintConflictingScopes    = "ConflictingScopes"
	lintScopeRequiresAll     = "ScopeRequiresAllPolicies"
	lintScopeShadowed        = "ScopeShadowsBroaderScope"
	lintDefaultIdentityNoTag = "DefaultIdentityRejectsUntaggedSignatures"
)

// lintFinding is one thing a platform engineer should know about a set of
// policies.
type lintFinding struct {
	Severity lintSeverity `json:"severity"`
	Type     string       `json:"type"`
	// Object is "Kind name" or "Kind namespace/name"; empty for findings
	// about several objects.
	Object    string `json:"object,omitempty"`
	Source    string `json:"source,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Scope     string `json:"scope,omitempty"`
	// Condition is the message of the status condition the MCO writes.
	Condition string `json:"condition,omitempty"`
	Message   string `json:"message"`
}

// lintSet runs every check on set, most severe first within the input
// order of the objects.
func lintSet(set *policy.Set) []lintFinding {
	var out []lintFinding
	for _, e := range set.Validate() {
		out = append(out, lintFinding{Severity: severityError, Type: lintInvalid, Object: objectName(e.Kind, e.Namespace, e.Name),
			Source: e.Source.String(), Namespace: e.Namespace, Message: e.Error()})
	}
	valid := len(out) == 0
	sources := map[string]string{}
	for _, o := range set.Objects {
		sources[objectOf(o)] = o.Source.String()
		if !o.Valid() {
			continue
		}
		for _, e := range o.TrustMaterialErrors() {
			out = append(out, lintFinding{Severity: severityError, Type: lintUnloadableTrust, Object: objectOf(o), Source: o.Source.String(),
				Namespace: o.Meta.Namespace, Message: e.Error() + " (every pull under this policy's scopes is denied)"})
		}
	}
	if !valid {
		return out // the MCO's rules need a valid set
	}
	if _, err := policy.Render(set, policy.RenderOptions{}); err != nil {
		f := lintFinding{Severity: severityError, Type: lintRenderRefused,
			Message: "the MCO would refuse to render these policies, so none of them reaches the nodes: " + err.Error()}
		if ic := set.ImageConfig; ic != nil {
			f.Object, f.Source = "Image "+ic.Image.Name, ic.Source.String()
		}
		out = append(out, f)
	}
	statuses, findings, err := policy.Reconcile(set, time.Time{})
	if err != nil {
		return append(out, lintFinding{Severity: severityError, Type: lintRenderRefused, Message: err.Error()})
	}
	for _, st := range statuses {
		if len(st.Conflicting) == 0 {
			continue
		}
		object := objectName(string(policy.KindImagePolicy), st.Namespace, st.Name)
		effect := fmt.Sprintf("%s: scope(s) %q are dropped", object, st.Conflicting)
		if len(st.Applied) == 0 {
			effect += "; no scope is left, the ImagePolicy has no effect"
		}
		out = append(out, lintFinding{Severity: severityWarning, Type: lintConflictingScopes, Object: object, Source: sources[object],
			Namespace: st.Namespace, Condition: st.Conditions[0].Message, Message: fmt.Sprintf("%s; status condition %s=False reason %s: %s", effect, policy.ConditionPending, policy.ReasonConflictScopes, st.Conditions[0].Message)})
	}
	for _, f := range findings {
		object := objectName(string(policy.KindImagePolicy), f.Namespace, f.Name)
		out = append(out, lintFinding{Severity: severityWarning, Type: f.Type, Object: object, Source: sources[object],
			Namespace: f.Namespace, Scope: f.Scope, Message: f.Message})
	}
	files := policyFiles(set, statuses)
	out = append(out, sharedScopes(files)...)
	out = append(out, shadowedScopes(files, findings)...)
	out = append(out, defaultIdentity(set)...)
	slices.SortStableFunc(out, func(a, b lintFinding) int { return cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)) })
	return out
}

func severityRank(s lintSeverity) int {
	return slices.Index([]lintSeverity{severityError, severityWarning, severityInfo}, s)
}

func objectName(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

func objectOf(o *policy.Object) string {
	return objectName(string(o.Kind), o.Meta.Namespace, o.Meta.Name)
}

// defaultIdentity notes policies that omit signedIdentity: the default,
// matchRepoDigestOrExact, needs a signature identity with the pulled tag
// unless the image is pulled by digest, and plain "cosign sign" writes an
// identity without a tag.
func defaultIdentity(set *policy.Set) []lintFinding {
	var out []lintFinding
	for _, o := range set.Objects {
		if o.Policy.SignedIdentity != nil {
			continue
		}
		out = append(out, lintFinding{Severity: severityInfo, Type: lintDefaultIdentityNoTag, Object: objectOf(o), Source: o.Source.String(), Namespace: o.Meta.Namespace,
			Message: fmt.Sprintf("%s omits signedIdentity, so %s applies: a signature whose identity has no tag — what plain \"cosign sign\" writes — is accepted only for pulls by digest, and pulls by tag are denied; set signedIdentity.matchPolicy to %s if the images are signed that way",
				objectOf(o), configv1.IdentityMatchPolicyMatchRepoDigestOrExact, configv1.IdentityMatchPolicyMatchRepository)})
	}
	return out
}
