package lint

import "slices"

// Severity ranks a finding; info never means the set is wrong.
type Severity string

// Severities, most severe first.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Fails reports whether a finding of this severity means the set does not
// do what it appears to (error or warning).
func (s Severity) Fails() bool { return s == SeverityError || s == SeverityWarning }

func (s Severity) rank() int {
	return slices.Index([]Severity{SeverityError, SeverityWarning, SeverityInfo}, s)
}

// Type names what a finding is about.
type Type string

// Finding types.
const (
	// TypeInvalid: a validation error, as validate reports it.
	TypeInvalid Type = "Invalid"
	// TypeUnloadableTrust: key or certificate data the node cannot load.
	TypeUnloadableTrust Type = "UnloadableTrustMaterial"
	// TypeRenderRefused: the MCO would refuse to render the set.
	TypeRenderRefused Type = "RenderRefused"
	// TypeTagDigestOverride: an ImagePolicy tag or digest scope the MCO
	// does not see as nested inside a ClusterImagePolicy scope.
	TypeTagDigestOverride Type = "TagDigestScopeOverridesClusterPolicy"
	// TypeConflictingScopes: ImagePolicy scopes dropped for equalling or
	// nesting inside a ClusterImagePolicy scope.
	TypeConflictingScopes Type = "ConflictingScopes"
	// TypeReservedName: a user ClusterImagePolicy named "openshift…".
	TypeReservedName Type = "ReservedName"
	// TypeANDedWithRelease: a user ClusterImagePolicy on a scope of the
	// release-managed default policy: release images need both.
	TypeANDedWithRelease Type = "ScopeANDedWithReleasePolicy"
	// TypeMirrorWithoutAttachments: a place images of a sigstore scope are
	// pulled from where registries.d enables no sigstore attachments.
	TypeMirrorWithoutAttachments Type = "MirrorWithoutSigstoreAttachments"
	// TypeScopeRequiresAll: several policies on one scope, ANDed.
	TypeScopeRequiresAll Type = "ScopeRequiresAllPolicies"
	// TypeScopeShadowed: a scope nested inside another of the same file.
	TypeScopeShadowed Type = "ScopeShadowsBroaderScope"
	// TypeUntaggedIdentityRefused: matchRepoDigestOrExact (written or by
	// default) never accepts a signature identity without a tag or digest.
	TypeUntaggedIdentityRefused Type = "IdentityRejectsUntaggedSignatures"
	// TypeFulcioEmailOnly: a Fulcio policy can require only an email SAN,
	// which CI workflow certificates do not have.
	TypeFulcioEmailOnly Type = "FulcioAcceptsOnlyEmailIdentities"
	// TypeV1Alpha1Manifest: an object written for v1alpha1, which current
	// clusters no longer serve.
	TypeV1Alpha1Manifest Type = "V1Alpha1Manifest"
)

// Finding is one thing a platform engineer should know about a set.
type Finding struct {
	Severity Severity `json:"severity"`
	Type     Type     `json:"type"`
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

// Summary counts findings by severity.
type Summary struct {
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
}

// Summarize counts findings by severity.
func Summarize(findings []Finding) Summary {
	var s Summary
	for _, f := range findings {
		switch f.Severity {
		case SeverityError:
			s.Errors++
		case SeverityWarning:
			s.Warnings++
		default:
			s.Info++
		}
	}
	return s
}

// Fails reports whether any finding is an error or a warning.
func (s Summary) Fails() bool { return s.Errors+s.Warnings > 0 }
