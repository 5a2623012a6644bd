package lint

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// policyFile is the scopes of one rendered policy file and the policies
// that own each: the cluster file (namespace "") or a namespace's file.
type policyFile struct {
	namespace string
	owners    map[string][]string // scope → "Kind name" in name order
}

// policyFiles lists the cluster file and one file per namespace with
// applied ImagePolicy scopes (which also holds every cluster scope).
func policyFiles(set *policy.Set, statuses []policy.PolicyStatus) []policyFile {
	cluster := map[string][]string{}
	objs := slices.Clone(set.Objects)
	slices.SortStableFunc(objs, func(a, b *policy.Object) int { return cmp.Compare(a.Meta.Name, b.Meta.Name) })
	for _, o := range objs {
		if o.Kind != policy.KindClusterImagePolicy {
			continue
		}
		for _, s := range o.Scopes {
			cluster[string(s)] = append(cluster[string(s)], objectOf(o))
		}
	}
	files := []policyFile{{owners: cluster}}
	byNS := map[string]int{}
	for _, st := range statuses { // statuses are in namespace, name order
		if len(st.Applied) == 0 {
			continue
		}
		i, ok := byNS[st.Namespace]
		if !ok {
			owners := map[string][]string{}
			for s, o := range cluster {
				owners[s] = slices.Clone(o)
			}
			i = len(files)
			byNS[st.Namespace] = i
			files = append(files, policyFile{namespace: st.Namespace, owners: owners})
		}
		for _, s := range st.Applied {
			files[i].owners[s] = append(files[i].owners[s], objectName(string(policy.KindImagePolicy), st.Namespace, st.Name))
		}
	}
	return files
}

// sharedScopes reports scopes that several policies name: their
// requirements are ANDed, so an image needs a signature for each of them.
// A scope shared by cluster policies is reported once, on the cluster file.
func sharedScopes(files []policyFile) []Finding {
	var out []Finding
	cluster := files[0].owners
	for _, f := range files {
		for _, scope := range slices.Sorted(maps.Keys(f.owners)) {
			owners := f.owners[scope]
			if len(owners) < 2 || (f.namespace != "" && len(cluster[scope]) == len(owners)) {
				continue
			}
			out = append(out, Finding{Severity: SeverityInfo, Type: TypeScopeRequiresAll, Namespace: f.namespace, Scope: scope,
				Message: fmt.Sprintf("%sscope %q is named by %s: their requirements are ANDed, so an image under it needs a signature accepted by each of them (adding a policy does not add an alternative key)",
					inNamespace(f.namespace), scope, strings.Join(owners, ", "))})
		}
	}
	return out
}

// shadowedScopes reports a scope nested inside another scope of the same
// file: the lookup takes the most specific scope and merges nothing, so
// images under the narrower scope are not checked against the broader
// scope's policies. Pairs already reported as the MCO's tag/digest hole,
// and namespace files' pairs of two cluster scopes, are left out.
func shadowedScopes(files []policyFile, holes []policy.Finding) []Finding {
	hole := map[[3]string]bool{}
	for _, h := range holes {
		hole[[3]string{h.Namespace, h.Scope, h.ClusterScope}] = true
	}
	var out []Finding
	cluster := files[0].owners
	for _, f := range files {
		scopes := slices.Sorted(maps.Keys(f.owners))
		for _, narrow := range scopes {
			for _, broad := range scopes {
				if narrow == broad || !node.Shadows(narrow, broad) || hole[[3]string{f.namespace, narrow, broad}] {
					continue
				}
				if f.namespace != "" && cluster[narrow] != nil && cluster[broad] != nil {
					continue // reported on the cluster file
				}
				out = append(out, Finding{Severity: SeverityInfo, Type: TypeScopeShadowed, Namespace: f.namespace, Scope: narrow,
					Message: fmt.Sprintf("%sscope %q (%s) is more specific than scope %q (%s): images under it are checked only against the policies of %q, nothing is merged",
						inNamespace(f.namespace), narrow, strings.Join(f.owners[narrow], ", "), broad, strings.Join(f.owners[broad], ", "), narrow)})
			}
		}
	}
	return out
}

func inNamespace(ns string) string {
	if ns == "" {
		return ""
	}
	return "in namespace " + ns + ", "
}
