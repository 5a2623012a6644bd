package policy

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/signature"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// The ImagePolicy condition the MCO sets when scopes are dropped.
const (
	ConditionPending     = "Pending"
	ReasonConflictScopes = "ConflictScopes"
)

// PolicyStatus is the outcome for one ImagePolicy.
type PolicyStatus struct {
	Namespace string
	Name      string
	// Applied are the scopes rendered into the namespace file.
	Applied []string
	// Conflicting are the scopes dropped because they equal or nest inside
	// a ClusterImagePolicy scope.
	Conflicting []string
	// Conditions is what the MCO writes to status.conditions: one Pending
	// condition when scopes were dropped, none otherwise.
	Conditions []metav1.Condition
}

// FindingTagDigestOverride is the MCO nesting hole: an ImagePolicy scope
// with a tag or digest inside a ClusterImagePolicy scope is kept and, being
// more specific, overrides the cluster policy for that image.
const FindingTagDigestOverride = "TagDigestScopeOverridesClusterPolicy"

// Finding is a surprising but faithful consequence of the MCO's rules.
type Finding struct {
	Type            string
	Namespace       string
	Name            string
	Scope           string
	ClusterScope    string
	ClusterPolicies []string
	Message         string
}

// scopePolicies is the MCO's getValidScopePolicies result.
type scopePolicies struct {
	cluster       map[string]signature.PolicyRequirements
	clusterOwners map[string][]string                                // scope → ClusterImagePolicy names
	namespaced    map[string]map[string]signature.PolicyRequirements // namespace → scope → requirements
	statuses      []PolicyStatus
}

// namespacedScopes lists the scopes of every namespace once, in the order
// of the first namespace naming them (namespaces sorted, then scopes): many
// namespaces often share a scope, and its checks depend on the scope only.
func (sp *scopePolicies) namespacedScopes() []string {
	var out []string
	seen := map[string]bool{}
	for _, ns := range sortedKeys(sp.namespaced) {
		for _, scope := range sortedKeys(sp.namespaced[ns]) {
			if !seen[scope] {
				seen[scope] = true
				out = append(out, scope)
			}
		}
	}
	return out
}

func byName(objs []*Object, kind Kind) []*Object {
	var out []*Object
	for _, o := range objs {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b *Object) int {
		return cmp.Or(cmp.Compare(a.Meta.Namespace, b.Meta.Namespace), cmp.Compare(a.Meta.Name, b.Meta.Name))
	})
	return out
}

func collectScopes(s *Set, now time.Time) (*scopePolicies, error) {
	sp := &scopePolicies{
		cluster:       map[string]signature.PolicyRequirements{},
		clusterOwners: map[string][]string{},
		namespaced:    map[string]map[string]signature.PolicyRequirements{},
	}
	for _, o := range byName(s.Objects, KindClusterImagePolicy) {
		req, err := requirement(o.Policy)
		if err != nil {
			return nil, fmt.Errorf("ClusterImagePolicy %s: %w", o.Ref(), err)
		}
		for _, scope := range o.Scopes {
			sp.cluster[string(scope)] = append(sp.cluster[string(scope)], req)
			sp.clusterOwners[string(scope)] = append(sp.clusterOwners[string(scope)], o.Meta.Name)
		}
	}
	for _, o := range byName(s.Objects, KindImagePolicy) {
		req, err := requirement(o.Policy)
		if err != nil {
			return nil, fmt.Errorf("ImagePolicy %s: %w", o.Ref(), err)
		}
		st := PolicyStatus{Namespace: o.Meta.Namespace, Name: o.Meta.Name}
		for _, scope := range o.Scopes {
			if sp.nestedInCluster(string(scope)) {
				st.Conflicting = append(st.Conflicting, string(scope))
				continue
			}
			ns := sp.namespaced[st.Namespace]
			if ns == nil {
				ns = map[string]signature.PolicyRequirements{}
				sp.namespaced[st.Namespace] = ns
			}
			ns[string(scope)] = append(ns[string(scope)], req)
			st.Applied = append(st.Applied, string(scope))
		}
		if len(st.Conflicting) > 0 {
			st.Conditions = []metav1.Condition{{
				Type:               ConditionPending,
				Status:             metav1.ConditionFalse,
				ObservedGeneration: o.Meta.Generation,
				LastTransitionTime: metav1.NewTime(now),
				Reason:             ReasonConflictScopes,
				Message:            ConflictMessage(st.Conflicting),
			}}
		}
		sp.statuses = append(sp.statuses, st)
	}
	return sp, nil
}

// Reconcile applies only the MCO's conflict rule to a valid set: the
// outcome of every ImagePolicy and the tag/digest findings, without the
// registry checks and files of Render (for lint-style reports).
func Reconcile(s *Set, now time.Time) ([]PolicyStatus, []Finding, error) {
	if err := s.requireValid(); err != nil {
		return nil, nil, err
	}
	sp, err := collectScopes(s, now)
	if err != nil {
		return nil, nil, err
	}
	return sp.statuses, sp.findings(), nil
}

// ConflictMessage is the MCO's Pending condition message.
func ConflictMessage(scopes []string) string {
	return fmt.Sprintf("has conflicting scope(s) %q that equal to or nest inside existing clusterimagepolicy, only policy from clusterimagepolicy scope(s) will be applied", scopes)
}

// nestedInCluster reports whether scope equals or nests inside a cluster
// scope (the MCO tests each cluster scope; looking up the scopes it nests
// inside gives the same answer in time independent of their number).
func (sp *scopePolicies) nestedInCluster(scope string) bool {
	for super := range nestingScopes(scope) {
		if _, ok := sp.cluster[super]; ok {
			return true
		}
	}
	return false
}

// findings lists every applied ImagePolicy scope that carries a tag or
// digest while a cluster scope covers it on the node's scope walk (the
// MCO's nesting rule, which kept it, does not see that).
func (sp *scopePolicies) findings() []Finding {
	var out []Finding
	for _, st := range sp.statuses {
		for _, scope := range st.Applied {
			ref, err := reference.ParseNamed(scope)
			if err != nil || reference.IsNameOnly(ref) {
				continue
			}
			var covering []string // sorted, as the cluster scopes are listed
			for _, cs := range node.ShadowedBy(scope) {
				if _, ok := sp.cluster[cs]; ok && !slices.Contains(covering, cs) {
					covering = append(covering, cs)
				}
			}
			slices.Sort(covering)
			for _, cs := range covering {
				out = append(out, Finding{
					Type: FindingTagDigestOverride, Namespace: st.Namespace, Name: st.Name,
					Scope: scope, ClusterScope: cs, ClusterPolicies: sp.clusterOwners[cs],
					Message: fmt.Sprintf("ImagePolicy %s/%s scope %q names a tag or digest, so the MCO does not treat it as nested inside ClusterImagePolicy scope %q (%v): in namespace %s it replaces the cluster policy for that image",
						st.Namespace, st.Name, scope, cs, sp.clusterOwners[cs], st.Namespace),
				})
			}
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
