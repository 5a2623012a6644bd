package policy

import (
	"errors"
	"fmt"
	"time"

	"go.podman.io/image/v5/docker/reference"
)

// RenderOptions tune Render. The zero value renders as the MCO does with no
// release image known.
type RenderOptions struct {
	// ReleaseImage is the cluster's release payload pull spec. When set, a
	// blocked registry that would block the payload repository is dropped,
	// as the MCO does (sigpolicy models no mirror sets, so such an entry is
	// always dropped), and reported in Rendered.Warnings. Default: unset.
	ReleaseImage string
	// Now stamps the conditions' lastTransitionTime. Default: time.Now().
	Now time.Time
}

// Rendered holds the files the MCO would write and the ImagePolicy outcomes.
type Rendered struct {
	// PolicyJSON is /etc/containers/policy.json.
	PolicyJSON []byte
	// NamespacePolicies maps a namespace to /etc/crio/policies/<ns>.json;
	// namespaces without applied scopes have no file.
	NamespacePolicies map[string][]byte
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
// refuse to render (allowed and blocked registries both set, a cluster scope
// outside the allowed or inside the blocked registries, ...).
func Render(s *Set, opts RenderOptions) (*Rendered, error) {
	if err := s.requireValid(); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	out := &Rendered{NamespacePolicies: map[string][]byte{}}
	regs, err := registriesFor(s.ImageConfig, opts.ReleaseImage, out)
	if err != nil {
		return nil, err
	}
	sp, err := collectScopes(s, now)
	if err != nil {
		return nil, err
	}
	out.Statuses, out.Findings = sp.statuses, sp.findings()
	cluster, policyJSON, err := clusterPolicyJSON(sp, regs)
	if err != nil {
		return nil, err
	}
	out.PolicyJSON = policyJSON
	var nsScopes []string
	for _, ns := range sortedKeys(sp.namespaced) {
		nsScopes = append(nsScopes, sortedKeys(sp.namespaced[ns])...)
	}
	if err := checkScopesAgainstRegistries("imagepolicy", nsScopes, regs); err != nil {
		return nil, err
	}
	for ns, scopes := range sp.namespaced {
		if out.NamespacePolicies[ns], err = namespacePolicyJSON(cluster, scopes, regs); err != nil {
			return nil, fmt.Errorf("namespace %s: %w", ns, err)
		}
	}
	if out.RegistriesD, err = sigstoreRegistriesD(sp, regs); err != nil {
		return nil, err
	}
	return out, nil
}

// registriesFor is the MCO's getValidBlockedAndAllowedRegistries plus its
// "only one of allowed or blocked" rule.
func registriesFor(ic *ImageConfig, releaseImage string, out *Rendered) (registries, error) {
	if ic == nil {
		return registries{}, nil
	}
	src := ic.Image.Spec.RegistrySources
	regs := registries{insecure: src.InsecureRegistries}
	payloadRepo := ""
	if releaseImage != "" {
		ref, err := reference.ParseNamed(releaseImage)
		if err != nil {
			return registries{}, fmt.Errorf("error parsing reference of release image %q: %w", releaseImage, err)
		}
		payloadRepo = ref.Name()
	}
	for _, reg := range src.BlockedRegistries {
		if payloadRepo != "" && scopeIsNestedInsideScope(payloadRepo, reg) {
			out.Warnings = append(out.Warnings, fmt.Sprintf("error adding %q to blocked registries, cannot block the repository being used by the payload, skipping", reg))
			continue
		}
		regs.blocked = append(regs.blocked, reg)
	}
	regs.allowed = append(regs.allowed, src.AllowedRegistries...)
	if len(regs.allowed) != 0 && len(regs.blocked) != 0 &&
		!(payloadRepo != "" && len(regs.allowed) == 1 && regs.allowed[0] == payloadRepo) {
		return registries{}, errors.New("invalid images config: only one of AllowedRegistries or BlockedRegistries may be specified")
	}
	return regs, nil
}
