package node

import (
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// ScopeKind says which step of the scope walk matched.
type ScopeKind string

const (
	// ScopeExact: the reference itself, name:tag or name@digest.
	ScopeExact ScopeKind = "exact"
	// ScopeRepository: the repository name without tag or digest.
	ScopeRepository ScopeKind = "repository"
	// ScopeNamespace: a parent namespace, host/ns/….
	ScopeNamespace ScopeKind = "namespace"
	// ScopeHost: the registry host[:port].
	ScopeHost ScopeKind = "host"
	// ScopeWildcard: a *.domain scope built from the port-less host.
	ScopeWildcard ScopeKind = "wildcard"
	// ScopeEmpty: the transport's "" scope.
	ScopeEmpty ScopeKind = "empty"
	// ScopeDefault: no scope of the transport matched; the policy default.
	ScopeDefault ScopeKind = "default"
)

// Resolution is the requirement list chosen for one image, and where it
// came from.
type Resolution struct {
	Transport string
	// Scope is the matching scope key; empty for ScopeEmpty and ScopeDefault.
	Scope string
	Kind  ScopeKind
	// Requirements is shared with the Policy: do not modify it.
	Requirements Requirements
}

func anyRequirements(Requirements) bool { return true }

// maxStackName bounds the names built without allocating; a reference
// name is at most 255 bytes, plus a tag or digest.
const maxStackName = 512

// Resolve picks the requirements for ref as the library's PolicyContext
// does for a docker (or atomic) image reference: first hit wins, no
// merging. A reference without tag or digest is looked up as name:latest,
// as the docker transport parses it. The library cannot represent a
// reference with both a tag and a digest; Resolve looks it up by its digest.
func (p *Policy) Resolve(transport string, ref reference.Named) Resolution {
	if scopes, ok := p.Transports[transport]; ok {
		if reqs, scope, kind, ok := walkScopes(scopes, ref, anyRequirements); ok {
			return Resolution{Transport: transport, Scope: scope, Kind: kind, Requirements: reqs}
		}
		if reqs, ok := scopes[""]; ok {
			return Resolution{Transport: transport, Kind: ScopeEmpty, Requirements: reqs}
		}
	}
	return Resolution{Transport: transport, Kind: ScopeDefault, Requirements: p.Default}
}

// walkScopes looks ref up in m along the library's docker scope walk
// (docker/policyconfiguration: DockerReferenceIdentity, then
// DockerReferenceNamespaces) and returns the first entry accept takes.
func walkScopes[T any](m map[string]T, ref reference.Named, accept func(T) bool) (T, string, ScopeKind, bool) {
	name := ref.Name()
	var buf [maxStackName]byte
	identity := append(buf[:0], name...)
	if digested, ok := ref.(reference.Digested); ok {
		identity = append(append(identity, '@'), digested.Digest()...)
	} else if tagged, ok := ref.(reference.Tagged); ok {
		identity = append(append(identity, ':'), tagged.Tag()...)
	} else {
		identity = append(identity, ":latest"...)
	}
	if v, ok := m[string(identity)]; ok && accept(v) {
		return v, string(identity), ScopeExact, true
	}

	kind := ScopeRepository
	for ns := name; ; {
		slash := strings.LastIndexByte(ns, '/')
		if slash < 0 {
			kind = ScopeHost
		}
		if v, ok := m[ns]; ok && accept(v) {
			return v, ns, kind, true
		}
		if slash < 0 {
			break
		}
		ns, kind = ns[:slash], ScopeNamespace
	}

	host := name
	if slash := strings.IndexByte(host, '/'); slash >= 0 {
		host = host[:slash]
	}
	if colon := strings.IndexByte(host, ':'); colon >= 0 {
		host = host[:colon]
	}
	for {
		dot := strings.IndexByte(host, '.')
		if dot < 0 {
			var zero T
			return zero, "", "", false
		}
		host = host[dot+1:]
		wildcard := append(append(buf[:0], "*."...), host...)
		if v, ok := m[string(wildcard)]; ok && accept(v) {
			return v, string(wildcard), ScopeWildcard, true
		}
	}
}
