package policy

import (
	"cmp"
	"fmt"
	"time"

	configv1 "github.com/openshift/api/config/v1"
	"go.podman.io/image/v5/signature"
)

// RenderOptions tune Render. The zero value renders as the MCO does with no
// release image known.
type RenderOptions struct {
	// ReleaseImage is the cluster's release payload pull spec (the
	// ClusterVersion's status.desired.image). When set, a blocked registry
	// that covers the payload repository is dropped, with a warning, unless
	// the payload can be pulled by digest from a mirror outside every
	// blocked registry; then the payload repository is allowed in
	// policy.json, as the MCO does. Default: the Set's ReleaseImage (from
	// a ClusterVersion input), else none: no blocked registry is treated
	// as the payload's.
	ReleaseImage string
	// Now stamps the conditions' lastTransitionTime. Default: time.Now().
	Now time.Time
}

// Rendered holds the files the MCO would write and the ImagePolicy outcomes.
type Rendered struct {
	// PolicyJSON is /etc/containers/policy.json: the MCO's template
	// (TemplatePolicyJSON) unless a registry list or a ClusterImagePolicy
	// changes it.
	PolicyJSON []byte
	// NamespacePolicies maps a namespace to /etc/crio/policies/<ns>.json;
	// namespaces without applied scopes have no file.
	NamespacePolicies map[string][]byte
	// RegistriesConf is /etc/containers/registries.conf, always present:
	// the MCO's template (RegistriesConfTemplate) unless insecure or blocked
	// registries or some mirror set object make the MCO rewrite it.
	RegistriesConf []byte
	// SearchRegistries is the drop-in SearchRegistriesPath holding the
	// Image config's containerRuntimeSearchRegistries; nil when unset.
	SearchRegistries []byte
	// RegistriesD is /etc/containers/registries.d/sigstore-registries.yaml,
	// nil when no scope needs sigstore attachments.
	RegistriesD []byte
	// Statuses has one entry per ImagePolicy, by namespace then name.
	Statuses []PolicyStatus
	// Findings are the tag/digest scopes that slip through the MCO's
	// conflict check.
	Findings []Finding
	// Warnings are inputs the MCO would skip with a log line.
	Warnings []string
}

// Render produces the MCO's files for a valid set. It fails with ErrInvalid
// when an object is invalid and with the MCO's own error when the MCO would
// refuse to render (a policy scope outside the allowed or inside the
// blocked registries, a mirror rule the MCO rejects, ...): the message of
// the MCO's check, without the controller's "could not update ... with new
// changes" prefix.
func Render(s *Set, opts RenderOptions) (*Rendered, error) {
	if err := s.requireValid(); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	out := &Rendered{NamespacePolicies: map[string][]byte{}}
	mirrors := mirrorInputsOf(s.MirrorSets)
	var spec *configv1.ImageSpec
	if s.ImageConfig != nil {
		spec = &s.ImageConfig.Image.Spec
	}
	lists, warnings, err := registryListsFor(spec, cmp.Or(opts.ReleaseImage, s.ReleaseImage), mirrors)
	if err != nil {
		return nil, err
	}
	out.Warnings = warnings
	sp, err := collectScopes(s, now)
	if err != nil {
		return nil, err
	}
	out.Statuses, out.Findings = sp.statuses, sp.findings()

	conf, err := parseRegistriesConf(RegistriesConfTemplate)
	if err != nil {
		return nil, err
	}
	out.RegistriesConf = []byte(RegistriesConfTemplate)
	if lists.insecure != nil || lists.registriesConf != nil || mirrors.any() {
		if out.RegistriesConf, conf, err = registriesConf(lists.insecure, lists.registriesConf, mirrors); err != nil {
			return nil, err
		}
	}

	enc := newPolicyEncoder()
	cluster, policyJSON, err := clusterPolicyJSON(enc, sp, lists.policyBlocked, lists.allowed, lists.payload)
	if err != nil {
		return nil, err
	}
	out.PolicyJSON = policyJSON
	if lists.policyBlocked != nil || lists.allowed != nil || len(sp.cluster) > 0 || len(sp.namespaced) > 0 {
		if err := renderNamespaces(enc, out, sp, cluster, lists); err != nil {
			return nil, err
		}
		if out.RegistriesD, err = sigstoreRegistriesD(sp, conf); err != nil {
			return nil, err
		}
	}
	if lists.search != nil {
		if out.SearchRegistries, err = searchRegistriesDropIn(lists.search); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// renderNamespaces is the MCO's updateNamespacedPolicyJSONs.
func renderNamespaces(enc *policyEncoder, out *Rendered, sp *scopePolicies, cluster *signature.Policy, lists registryLists) error {
	if err := checkScopesAgainstRegistries("imagePolicy", sp.namespacedScopes(), lists.allowed, lists.policyBlocked); err != nil {
		return err
	}
	for ns, scopes := range sp.namespaced {
		data, err := namespacePolicyJSON(enc, cluster, scopes)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
		out.NamespacePolicies[ns] = data
	}
	return nil
}
