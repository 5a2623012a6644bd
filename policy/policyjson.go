package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"go.podman.io/image/v5/signature"
)

// TemplatePolicyJSON is /etc/containers/policy.json as the MCO's base
// machine config writes it (templates/<role>/01-<role>-container-runtime/
// _base/files/policy.yaml, the same for every role; no final newline). The
// MCO writes it unchanged when no registry list and no ClusterImagePolicy
// changes it.
const TemplatePolicyJSON = `{
    "default": [
        {
            "type": "insecureAcceptAnything"
        }
    ],
    "transports":
        {
            "docker-daemon":
                {
                    "": [{"type":"insecureAcceptAnything"}]
                }
        }
}`

// clusterPolicyJSON is the MCO's updatePolicyJSON on the template, given
// policy.json's blocked and allowed lists. It returns the policy both as an
// object and as the file's bytes.
func clusterPolicyJSON(enc *policyEncoder, sp *scopePolicies, blocked, allowed []string, payload string) (*signature.Policy, []byte, error) {
	if len(allowed) != 0 && len(blocked) != 0 && !(payload != "" && len(allowed) == 1 && allowed[0] == payload) {
		return nil, nil, errors.New("invalid images config: only one of AllowedRegistries or BlockedRegistries may be specified")
	}
	if err := checkScopesAgainstRegistries("clusterimagePolicy", sortedKeys(sp.cluster), allowed, blocked); err != nil {
		return nil, nil, err
	}
	p, err := decodePolicyJSON([]byte(TemplatePolicyJSON))
	if err != nil {
		return nil, nil, err
	}
	if allowed == nil && blocked == nil && len(sp.cluster) == 0 {
		return p, []byte(TemplatePolicyJSON), nil
	}
	if err := validateRegistriesConfScopes(nil, blocked, allowed, mirrorInputs{}); err != nil {
		return nil, nil, err
	}
	scopes := signature.PolicyTransportScopes{}
	if len(allowed) > 0 {
		p.Default = signature.PolicyRequirements{signature.NewPRReject()}
		for _, reg := range allowed {
			if sp.cluster[reg] != nil {
				continue // the cluster policy on this registry replaces insecureAcceptAnything
			}
			scopes[reg] = signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}
		}
	}
	if len(blocked) > 0 {
		p.Default = signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()}
		for _, reg := range blocked {
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
	data, err := enc.marshal(p)
	return p, data, err
}

// namespacePolicyJSON is the MCO's updateNamespacedPolicyJSONs for one
// namespace: the cluster policy.json with the namespace's requirements
// appended to each of its scopes (after an allowed registry's
// insecureAcceptAnything, which both must pass). The MCO re-parses the
// cluster file; working on a copy of the parsed cluster policy gives the
// same bytes, since the library's types marshal back exactly what they
// parse, without re-parsing every requirement for every namespace.
func namespacePolicyJSON(enc *policyEncoder, cluster *signature.Policy, scopes map[string]signature.PolicyRequirements) ([]byte, error) {
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
		docker[scope] = slices.Concat(docker[scope], reqs)
	}
	p.Transports["atomic"] = atomicCopy(docker, p.Transports["atomic"])
	return enc.marshalFrom(p, cluster)
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

// checkScopesAgainstRegistries is the MCO's
// validateImagePolicyWithAllowedBlockedRegistries for one kind of policy:
// every scope nested inside some allowed registry, none inside a blocked
// one.
func checkScopesAgainstRegistries(what string, scopes, allowed, blocked []string) error {
	for _, scope := range scopes {
		if len(allowed) > 0 && !slices.ContainsFunc(allowed, func(reg string) bool { return scopeIsNestedInsideScope(scope, reg) }) {
			return fmt.Errorf("%s configured for the scope %s is not nested inside allowedRegistries", what, scope)
		}
	}
	for _, scope := range scopes {
		for _, reg := range blocked {
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

// policyEncoder writes policy files as the MCO encodes them:
// json.MarshalIndent(p, "", "  ") (two-space indent, sorted keys, no
// trailing newline), byte for byte. Every namespace file repeats the
// cluster-wide scopes, whose requirement lists are the same slices: each
// list is encoded once per render and its bytes reused. An encoder belongs
// to one render, whose lists are not modified once built.
type policyEncoder struct {
	lists map[listKey]string
	keys  map[string]string // JSON of a map key
	// sortedScopes holds, per policy that others extend (marshalFrom) and
	// transport, its scopes sorted.
	sortedScopes map[*signature.Policy]map[string][]string
}

// listKey identifies a requirement list by its elements' backing array.
type listKey struct {
	first *signature.PolicyRequirement
	n     int
}

func newPolicyEncoder() *policyEncoder {
	return &policyEncoder{lists: map[listKey]string{}, keys: map[string]string{}, sortedScopes: map[*signature.Policy]map[string][]string{}}
}

// Indentation of a requirement list: under "default" (depth 1) and under
// transports.<name>.<scope> (depth 3).
const (
	defaultListPrefix = "  "
	scopeListPrefix   = "      "
)

func (enc *policyEncoder) marshal(p *signature.Policy) ([]byte, error) {
	return enc.marshalFrom(p, nil)
}

// marshalFrom writes p, whose transports extend base's (nil: none) with
// more scopes, as namespace files extend the cluster policy: base's scopes
// are sorted once, and only the others at each file.
func (enc *policyEncoder) marshalFrom(p, base *signature.Policy) ([]byte, error) {
	scopes := 0
	for _, ts := range p.Transports {
		scopes += len(ts)
	}
	out := pieces{parts: make([]string, 0, 8+4*(len(p.Transports)+scopes))}
	out.add("{\n  \"default\": ")
	if err := enc.list(&out, p.Default, defaultListPrefix); err != nil {
		return nil, err
	}
	out.add(",\n  \"transports\": ")
	err := writeMap(enc, &out, p.Transports, sortedKeys(p.Transports), "  ", func(name string, scopes signature.PolicyTransportScopes) error {
		return writeMap(enc, &out, scopes, enc.scopesOf(base, name, scopes), "    ", func(_ string, reqs signature.PolicyRequirements) error {
			return enc.list(&out, reqs, scopeListPrefix)
		})
	})
	if err != nil {
		return nil, err
	}
	out.add("\n}")
	return out.join(), nil
}

// scopesOf returns the keys of scopes sorted; when scopes has every scope
// of base's transport name, those are sorted once per base.
func (enc *policyEncoder) scopesOf(base *signature.Policy, name string, scopes signature.PolicyTransportScopes) []string {
	baseScopes := signature.PolicyTransportScopes(nil)
	if base != nil {
		baseScopes = base.Transports[name]
	}
	if len(baseScopes) == 0 {
		return sortedKeys(scopes)
	}
	byName := enc.sortedScopes[base]
	if byName == nil {
		byName = map[string][]string{}
		enc.sortedScopes[base] = byName
	}
	sortedBase, ok := byName[name]
	if !ok {
		sortedBase = sortedKeys(baseScopes)
		byName[name] = sortedBase
	}
	var added []string
	for scope := range scopes {
		if _, inBase := baseScopes[scope]; !inBase {
			added = append(added, scope)
		}
	}
	if len(sortedBase)+len(added) != len(scopes) { // not an extension of base
		return sortedKeys(scopes)
	}
	slices.Sort(added)
	merged := make([]string, 0, len(sortedBase)+len(added))
	i := 0
	for _, scope := range sortedBase {
		for i < len(added) && added[i] < scope {
			merged = append(merged, added[i])
			i++
		}
		merged = append(merged, scope)
	}
	return append(merged, added[i:]...)
}

// list writes reqs as MarshalIndent writes them at the depth of prefix.
func (enc *policyEncoder) list(out *pieces, reqs signature.PolicyRequirements, prefix string) error {
	reuse := prefix == scopeListPrefix && len(reqs) > 0
	var key listKey
	if reuse {
		key = listKey{first: &reqs[0], n: len(reqs)}
		if data, ok := enc.lists[key]; ok {
			out.add(data)
			return nil
		}
	}
	data, err := json.MarshalIndent(reqs, prefix, "  ")
	if err != nil {
		return err
	}
	if reuse {
		enc.lists[key] = string(data)
	}
	out.add(string(data))
	return nil
}

// writeMap writes m, whose keys sorted are keys, as MarshalIndent writes a
// map whose closing brace is indented by indent, each value by value.
func writeMap[V any](enc *policyEncoder, out *pieces, m map[string]V, keys []string, indent string, value func(string, V) error) error {
	switch {
	case m == nil:
		out.add("null")
		return nil
	case len(m) == 0:
		out.add("{}")
		return nil
	}
	out.add("{")
	beforeKey := "\n" + indent + "  "
	for i, k := range keys {
		if i > 0 {
			out.add(",")
		}
		key, ok := enc.keys[k]
		if !ok {
			data, err := json.Marshal(k)
			if err != nil {
				return err
			}
			key = string(data)
			enc.keys[k] = key
		}
		out.add(beforeKey)
		out.add(key)
		out.add(": ")
		if err := value(k, m[k]); err != nil {
			return err
		}
	}
	out.add("\n" + indent + "}")
	return nil
}

// pieces collects a document's parts, to copy them once into a buffer of
// the exact size: a namespace file is megabytes for thousands of scopes.
type pieces struct {
	parts []string
	size  int
}

func (p *pieces) add(s string) {
	p.parts = append(p.parts, s)
	p.size += len(s)
}

func (p *pieces) join() []byte {
	out := make([]byte, 0, p.size)
	for _, s := range p.parts {
		out = append(out, s...)
	}
	return out
}
