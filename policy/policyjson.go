package policy

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.podman.io/image/v5/signature"
)

// TemplatePolicyJSON is the policy.json the MCO ships before any policy is
// applied; with nothing to add it is written unchanged.
const TemplatePolicyJSON = `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]}}}`

// registries are the cluster image configuration's lists as the MCO uses them.
type registries struct {
	allowed  []string
	blocked  []string
	insecure []string
}

// clusterPolicyJSON is the MCO's updatePolicyJSON on the template. It
// returns the policy both as an object and as the file's bytes.
func clusterPolicyJSON(sp *scopePolicies, regs registries) (*signature.Policy, []byte, error) {
	if err := checkScopesAgainstRegistries("clusterimagePolicy", sortedKeys(sp.cluster), regs); err != nil {
		return nil, nil, err
	}
	p, err := decodePolicyJSON([]byte(TemplatePolicyJSON))
	if err != nil {
		return nil, nil, err
	}
	if regs.allowed == nil && regs.blocked == nil && len(sp.cluster) == 0 {
		return p, []byte(TemplatePolicyJSON), nil
	}
	for _, reg := range regs.blocked {
		if !isValidRegistriesConfScope(reg) {
			return nil, nil, fmt.Errorf("invalid entry for blocked registries %q", reg)
		}
	}
	for _, reg := range regs.allowed {
		if !isValidRegistriesConfScope(reg) {
			return nil, nil, fmt.Errorf("invalid entry for allowed registries %q", reg)
		}
	}
	scopes := signature.PolicyTransportScopes{}
	if len(regs.allowed) > 0 {
		p.Default = signature.PolicyRequirements{signature.NewPRReject()}
		for _, reg := range regs.allowed {
			if sp.cluster[reg] != nil {
				continue // the cluster policy on this registry replaces insecureAcceptAnything
			}
			scopes[reg] = signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}
		}
	}
	if len(regs.blocked) > 0 {
		p.Default = signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}
		for _, reg := range regs.blocked {
			scopes[reg] = signature.PolicyRequirements{signature.NewPRReject()}
		}
	}
	for scope, reqs := range sp.cluster {
		scopes[scope] = append(scopes[scope], reqs...)
	}
	if len(scopes) > 0 {
		p.Transports["docker"] = scopes
		p.Transports["atomic"] = atomicCopy(scopes, nil)
	}
	data, err := marshalPolicy(p)
	return p, data, err
}

// namespacePolicyJSON is the cluster policy.json plus one namespace's
// scopes. The MCO re-parses the cluster file; working on a copy of the parsed
// cluster policy gives the same bytes, since the library's types marshal
// back exactly what they parse, without re-parsing every requirement for
// every namespace.
func namespacePolicyJSON(cluster *signature.Policy, scopes map[string]signature.PolicyRequirements, regs registries) ([]byte, error) {
	p := &signature.Policy{Default: cluster.Default, Transports: map[string]signature.PolicyTransportScopes{}}
	for name, ts := range cluster.Transports {
		p.Transports[name] = maps.Clone(ts)
	}
	docker := p.Transports["docker"]
	if docker == nil {
		docker = signature.PolicyTransportScopes{}
		p.Transports["docker"] = docker
	}
	for scope, reqs := range scopes {
		if slices.Contains(regs.allowed, scope) {
			docker[scope] = reqs // as for cluster scopes: no insecureAcceptAnything beside the policy
			continue
		}
		docker[scope] = slices.Concat(docker[scope], reqs)
	}
	p.Transports["atomic"] = atomicCopy(docker, p.Transports["atomic"])
	return marshalPolicy(p)
}

// atomicCopy adds to dst every scope of src with fewer than three "/": the
// atomic transport does not support more path segments.
func atomicCopy(src, dst signature.PolicyTransportScopes) signature.PolicyTransportScopes {
	if dst == nil {
		dst = signature.PolicyTransportScopes{}
	}
	for scope, reqs := range src {
		if strings.Count(scope, "/") < 3 {
			dst[scope] = reqs
		}
	}
	return dst
}

// checkScopesAgainstRegistries is the MCO's validation of policy scopes
// against the allowed and blocked registries.
func checkScopesAgainstRegistries(what string, scopes []string, regs registries) error {
	for _, scope := range scopes {
		if len(regs.allowed) > 0 && !slices.ContainsFunc(regs.allowed, func(reg string) bool { return scopeIsNestedInsideScope(scope, reg) }) {
			return fmt.Errorf("%s configured for the scope %s is not nested inside allowedRegistries", what, scope)
		}
		for _, reg := range regs.blocked {
			if scopeIsNestedInsideScope(scope, reg) {
				return fmt.Errorf("%s configured for the scope %s is nested inside blockedRegistries", what, scope)
			}
		}
	}
	return nil
}

func decodePolicyJSON(data []byte) (*signature.Policy, error) {
	p := &signature.Policy{}
	if err := json.Unmarshal(data, p); err != nil {
		return nil, fmt.Errorf("error decoding policy json: %w", err)
	}
	if p.Transports == nil {
		p.Transports = map[string]signature.PolicyTransportScopes{}
	}
	return p, nil
}

// marshalPolicy is the MCO's encoding: two-space indent, sorted keys, no
// trailing newline.
func marshalPolicy(p *signature.Policy) ([]byte, error) {
	return json.MarshalIndent(p, "", "  ")
}
