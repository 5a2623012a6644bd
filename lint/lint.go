package lint

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Options tune Run. The zero value lints the objects alone.
type Options struct {
	// RegistriesConf, when set, replaces the rendered registries.conf in the
	// checks of where signatures are read (a node's own file, say).
	RegistriesConf *node.RegistriesConf
}

// Run runs every check on set; findings come most severe first, in the
// order of the checks within a severity.
func Run(set *policy.Set, opts Options) []Finding {
	var out []Finding
	errs := set.Validate()
	for _, e := range errs {
		if e.RulesSkipped() {
			continue // the API server's note that CEL rules waited for the other errors
		}
		out = append(out, Finding{Severity: SeverityError, Type: TypeInvalid, Object: objectName(e.Kind, e.Namespace, e.Name),
			Source: e.Source.String(), Namespace: e.Namespace, Message: e.Error()})
	}
	valid := len(errs) == 0
	sources := map[string]string{}
	for _, o := range set.Objects {
		sources[objectOf(o)] = o.Source.String()
		if !o.Valid() {
			continue
		}
		for _, e := range o.TrustMaterialErrors() {
			out = append(out, Finding{Severity: SeverityError, Type: TypeUnloadableTrust, Object: objectOf(o), Source: o.Source.String(),
				Namespace: o.Meta.Namespace, Message: e.Error() + " (every pull under this policy's scopes is denied)"})
		}
	}
	if !valid {
		return out // the MCO's rules need a valid set
	}
	compiled, err := cluster.Compile(set, policy.RenderOptions{})
	if err != nil {
		f := Finding{Severity: SeverityError, Type: TypeRenderRefused,
			Message: "the MCO would refuse to render these policies, so none of them reaches the nodes: " + err.Error()}
		if ic := set.ImageConfig; ic != nil {
			f.Object, f.Source = "Image "+ic.Image.Name, ic.Source.String()
		}
		out = append(out, f)
	} else {
		if opts.RegistriesConf != nil {
			compiled = compiled.WithRegistriesConf(opts.RegistriesConf)
		}
		out = append(out, unreadableMirrors(compiled)...)
	}
	var statuses []policy.PolicyStatus
	var findings []policy.Finding
	if compiled != nil {
		statuses, findings = compiled.Rendered.Statuses, compiled.Rendered.Findings
	} else if statuses, findings, err = policy.Reconcile(set, time.Time{}); err != nil { // what the MCO would still report
		return append(out, Finding{Severity: SeverityError, Type: TypeRenderRefused, Message: err.Error()})
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
		out = append(out, Finding{Severity: SeverityWarning, Type: TypeConflictingScopes, Object: object, Source: sources[object],
			Namespace: st.Namespace, Condition: st.Conditions[0].Message, Message: fmt.Sprintf("%s; status condition %s=False reason %s: %s", effect, policy.ConditionPending, policy.ReasonConflictScopes, st.Conditions[0].Message)})
	}
	for _, f := range findings {
		object := objectName(string(policy.KindImagePolicy), f.Namespace, f.Name)
		out = append(out, Finding{Severity: SeverityWarning, Type: Type(f.Type), Object: object, Source: sources[object],
			Namespace: f.Namespace, Scope: f.Scope, Message: f.Message})
	}
	files := policyFiles(set, statuses)
	out = append(out, sharedScopes(files)...)
	out = append(out, shadowedScopes(files, findings)...)
	out = append(out, reservedNames(set)...)
	out = append(out, andedWithRelease(set)...)
	out = append(out, v1alpha1Manifests(set)...)
	out = append(out, untaggedIdentity(set)...)
	out = append(out, fulcioEmailOnly(set)...)
	slices.SortStableFunc(out, func(a, b Finding) int { return cmp.Compare(a.Severity.rank(), b.Severity.rank()) })
	return out
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
