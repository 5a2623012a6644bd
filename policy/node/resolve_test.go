package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// TestResolveLibraryCases ports the library's own table,
// signature.TestPolicyContextRequirementsForImageRef.
func TestResolveLibraryCases(t *testing.T) {
	data := `{"default":[{"type":"reject"}],"transports":{
		"docker":{"":[{"type":"reject"}],"unmatched":[{"type":"reject"}],"deep.com":[{"type":"reject"}],
			"*.very.deep.com":[{"type":"reject"}],"*.deep.com":[{"type":"reject"}],"deep.com/n1":[{"type":"reject"}],
			"deep.com/n1/n2":[{"type":"reject"}],"deep.com/n1/n2/n3":[{"type":"reject"}],
			"deep.com/n1/n2/n3/repo":[{"type":"reject"}],"deep.com/n1/n2/n3/repo:tag2":[{"type":"reject"}]},
		"atomic":{"unmatched":[{"type":"reject"}]}}}`
	p, err := ParsePolicy([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		desc, transport, input string
		scope                  string
		kind                   ScopeKind
	}{
		{"full match", "docker", "deep.com/n1/n2/n3/repo:tag2", "deep.com/n1/n2/n3/repo:tag2", ScopeExact},
		{"repository", "docker", "deep.com/n1/n2/n3/repo:nottag2", "deep.com/n1/n2/n3/repo", ScopeRepository},
		{"namespace n3", "docker", "deep.com/n1/n2/n3/notrepo:tag2", "deep.com/n1/n2/n3", ScopeNamespace},
		{"namespace n2", "docker", "deep.com/n1/n2/notn3/repo:tag2", "deep.com/n1/n2", ScopeNamespace},
		{"namespace n1", "docker", "deep.com/n1/notn2/n3/repo:tag2", "deep.com/n1", ScopeNamespace},
		{"host", "docker", "deep.com/notn1/n2/n3/repo:tag2", "deep.com", ScopeHost},
		{"subdomain", "docker", "very.deep.com/n1/n2/n3/repo:tag2", "*.deep.com", ScopeWildcard},
		{"deeper subdomain", "docker", "not.very.deep.com/n1/n2/n3/repo:tag2", "*.very.deep.com", ScopeWildcard},
		{"empty scope", "docker", "this.does-not/match:anything", "", ScopeEmpty},
		{"no match in a transport without an empty scope", "atomic", "this.does-not/match:anything", "", ScopeDefault},
		{"transport without configuration", "dir", "what/ever", "", ScopeDefault},
	} {
		ref, err := reference.ParseNormalizedNamed(c.input)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Resolve(c.transport, ref)
		if got.Scope != c.scope || got.Kind != c.kind || got.Transport != c.transport || len(got.Requirements) != 1 {
			t.Errorf("%s: Resolve(%s, %s) = %+v, want scope %q kind %s", c.desc, c.transport, c.input, got, c.scope, c.kind)
		}
	}
}

// TestResolveMatchesLibrary compares Resolve with the library's own lookup,
// PolicyContext.requirementsForImageRef, which is unexported. The lookup is
// observed end to end instead: every scope gets a signedBy requirement whose
// keyPath is a non-existent file named after the scope, and the image claims
// one signature. PolicyContext.IsRunningImageAllowed then fails reading
// exactly that key file, and the path in its error names the scope the
// library chose. The reference is the real docker transport's
// (docker.NewReference), so identity and namespaces come from the library.
func TestResolveMatchesLibrary(t *testing.T) {
	scopes := resolveScopes()
	for _, withEmpty := range []bool{true, false} {
		t.Run(fmt.Sprintf("emptyScope=%v", withEmpty), func(t *testing.T) {
			lib := &signature.Policy{
				Default:    signature.PolicyRequirements{keyFileRequirement(t, "default")},
				Transports: map[string]signature.PolicyTransportScopes{"docker": {}},
			}
			for i, s := range scopes {
				if s == "" && !withEmpty {
					continue
				}
				lib.Transports["docker"][s] = signature.PolicyRequirements{keyFileRequirement(t, fmt.Sprint(i))}
			}
			data, err := json.Marshal(lib)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := ParsePolicy(data)
			if err != nil {
				t.Fatal(err)
			}
			pc, err := signature.NewPolicyContext(lib)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = pc.Destroy() }()

			refs := resolveReferences(4000)
			kinds := map[ScopeKind]int{}
			for _, ref := range refs {
				want := libraryScope(t, pc, ref, scopes)
				got := ours.Resolve("docker", ref)
				kinds[got.Kind]++
				gotScope := got.Scope
				if got.Kind == ScopeDefault {
					gotScope = "default"
				}
				if gotScope != want {
					t.Fatalf("%s: Resolve picked %q (%s), library %q", ref, gotScope, got.Kind, want)
				}
				if !resolvedKeyPath(got.Requirements, gotScope, scopes) {
					t.Fatalf("%s: requirements of %q are not that scope's", ref, gotScope)
				}
			}
			// The generated references must exercise every step of the walk.
			for _, k := range []ScopeKind{ScopeExact, ScopeRepository, ScopeNamespace, ScopeHost, ScopeWildcard} {
				if kinds[k] == 0 {
					t.Errorf("no reference resolved to a %s scope: %v", k, kinds)
				}
			}
			if withEmpty && kinds[ScopeEmpty] == 0 || !withEmpty && kinds[ScopeDefault] == 0 {
				t.Errorf("the fallback was never reached: %v", kinds)
			}
		})
	}
}

const keyDir = "/nonexistent-sigpolicy-scope/"

func keyFileRequirement(t *testing.T, name string) signature.PolicyRequirement {
	req, err := signature.NewPRSignedByKeyPath(signature.SBKeyTypeGPGKeys, keyDir+name, signature.NewPRMMatchRepoDigestOrExact())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// resolvedKeyPath checks that reqs are the requirement list of scope.
func resolvedKeyPath(reqs Requirements, scope string, scopes []string) bool {
	if len(reqs) != 1 || reqs[0].SignedBy == nil {
		return false
	}
	name := "default"
	if scope != "default" {
		for i, s := range scopes {
			if s == scope {
				name = fmt.Sprint(i)
			}
		}
	}
	return reqs[0].SignedBy.KeyPath == keyDir+name
}

// oneSignatureImage is an image with one (unverifiable) signature, so that
// a signedBy requirement gets as far as reading its key file.
type oneSignatureImage struct{ ref types.ImageReference }

func (i oneSignatureImage) Reference() types.ImageReference { return i.ref }
func (i oneSignatureImage) Manifest(context.Context) ([]byte, string, error) {
	return nil, "", errors.New("no manifest in this test image")
}
func (i oneSignatureImage) Signatures(context.Context) ([][]byte, error) {
	return [][]byte{[]byte("not a signature")}, nil
}

// libraryScope returns the scope the library applies to ref, or "default".
func libraryScope(t *testing.T, pc *signature.PolicyContext, ref reference.Named, scopes []string) string {
	t.Helper()
	dref, err := docker.NewReference(reference.TagNameOnly(ref))
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	allowed, err := pc.IsRunningImageAllowed(context.Background(), oneSignatureImage{ref: dref})
	if allowed || err == nil {
		t.Fatalf("%s: allowed=%v err=%v, want a key file error", ref, allowed, err)
	}
	_, rest, ok := strings.Cut(err.Error(), keyDir)
	if !ok {
		t.Fatalf("%s: library error does not name a key file: %v", ref, err)
	}
	name, _, _ := strings.Cut(rest, ":")
	if name == "default" {
		return name
	}
	var i int
	if _, err := fmt.Sscan(name, &i); err != nil || i < 0 || i >= len(scopes) {
		t.Fatalf("%s: cannot read the scope from %v", ref, err)
	}
	return scopes[i]
}

// Components of the generated scopes and references.
var (
	resolveHosts = []string{
		"example.com", "a.example.com", "b.a.example.com", "c.b.a.example.com", "example.com:5000",
		"a.example.com:5000", "localhost", "localhost:5000", "registry", "registry:443", "docker.io",
		"quay.io", "10.0.0.1", "10.0.0.1:5000", "example.org", "x.y.z.example.org",
	}
	// Hosts that only references use: wildcards, port-qualified and
	// dot-less hosts with no scope of their own.
	resolveOtherHosts = []string{
		"d.c.b.a.example.com", "new.example.com", "new.example.com:5000", "deep.x.y.z.example.org",
		"unknown.net", "plainhost", "plainhost:80", "mirror.quay.io", "10.0.0.2:5000", "a.example.com.evil.net",
	}
	resolvePaths = []string{"app", "team/app", "team/sub/app", "library/busybox", "busybox", "team", "a/b/c/d"}
	resolveTags  = []string{"latest", "v1", "v2"}
	resolveDigs  = []string{
		"sha256:" + strings.Repeat("a", 64),
		"sha256:" + strings.Repeat("b", 64),
	}
)

// resolveScopes lists scope keys of every kind; index 0 is "".
func resolveScopes() []string {
	scopes := []string{""}
	wild := map[string]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for _, h := range resolveHosts {
		if r.IntN(4) > 0 {
			scopes = append(scopes, h)
		}
		host, _, _ := strings.Cut(h, ":")
		for i := strings.IndexByte(host, '.'); i >= 0; i = strings.IndexByte(host, '.') {
			host = host[i+1:]
			if !wild["*."+host] {
				wild["*."+host] = true
				if r.IntN(3) > 0 { // leave some wildcards out, so deeper ones are skipped
					scopes = append(scopes, "*."+host)
				}
			}
		}
		for _, p := range resolvePaths {
			if r.IntN(2) == 0 {
				continue
			}
			name := h + "/" + p
			scopes = append(scopes, name)
			if i := strings.LastIndexByte(name, '/'); i > len(h) && r.IntN(2) == 0 {
				scopes = append(scopes, name[:i])
			}
			if r.IntN(2) == 0 {
				scopes = append(scopes, name+":"+resolveTags[r.IntN(len(resolveTags))])
			}
			if r.IntN(3) == 0 {
				scopes = append(scopes, name+"@"+resolveDigs[r.IntN(len(resolveDigs))])
			}
		}
	}
	// docker.io normalisation targets.
	scopes = append(scopes, "docker.io/library", "docker.io/library/busybox:latest", "docker.io/team")
	seen := map[string]bool{}
	out := scopes[:0]
	for _, s := range scopes {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// resolveReferences generates n references (normalised the docker way)
// over the same hosts and paths, with short names, tags and digests.
func resolveReferences(n int) []reference.Named {
	r := rand.New(rand.NewPCG(3, 4))
	var refs []reference.Named
	for len(refs) < n {
		s := resolvePaths[r.IntN(len(resolvePaths))]
		switch r.IntN(6) {
		case 0: // a short name, normalised to docker.io
		case 1:
			s = resolveOtherHosts[r.IntN(len(resolveOtherHosts))] + "/" + s
		default:
			s = resolveHosts[r.IntN(len(resolveHosts))] + "/" + s
		}
		switch r.IntN(3) {
		case 0:
			s += ":" + resolveTags[r.IntN(len(resolveTags))]
		case 1:
			s += "@" + resolveDigs[r.IntN(len(resolveDigs))]
		}
		ref, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			panic(fmt.Sprintf("generated reference %q: %v", s, err))
		}
		refs = append(refs, ref)
	}
	return refs
}

func BenchmarkResolve(b *testing.B) {
	data := renderedPolicy(b, 1000)
	p, err := ParsePolicy(data)
	if err != nil {
		b.Fatal(err)
	}
	ref, err := reference.ParseNormalizedNamed("registry5.example.com/team5/app:v1")
	if err != nil {
		b.Fatal(err)
	}
	miss, err := reference.ParseNormalizedNamed("a.b.c.example.net:5000/x/y/z@sha256:" + strings.Repeat("c", 64))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("repository", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p.Resolve("docker", ref).Kind != ScopeRepository {
				b.Fatal("wrong scope")
			}
		}
	})
	b.Run("default", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if p.Resolve("docker", miss).Kind != ScopeDefault {
				b.Fatal("wrong scope")
			}
		}
	})
}
