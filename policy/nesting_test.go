package policy

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestScopeIsNestedInsideScope(t *testing.T) {
	tests := []struct {
		desc       string
		sub, super string
		want       bool
	}{
		{"equal", "example.com/ns", "example.com/ns", true},
		{"repository inside namespace", "example.com/ns/repo", "example.com/ns", true},
		{"repository inside host", "example.com/ns/repo", "example.com", true},
		{"prefix without slash is not nesting", "example.com/nsx", "example.com/ns", false},
		{"super longer than sub", "example.com", "example.com/ns", false},
		{"tag on a nested repository is nested", "example.com/ns/repo:v1", "example.com/ns", true},
		{"tag on the same repository is the MCO hole", "example.com/ns/repo:v1", "example.com/ns/repo", false},
		{"digest on the same repository is the MCO hole", "example.com/ns/repo@sha256:aaaa", "example.com/ns/repo", false},
		{"host with port is not nested in host", "example.com:5000/ns", "example.com", false},
		{"wildcard matches subdomain", "foo.example.com", "*.example.com", true},
		{"wildcard matches subdomain path", "foo.example.com/ns/repo", "*.example.com", true},
		{"wildcard matches subdomain with port", "foo.example.com:5000/ns", "*.example.com", true},
		{"wildcard does not match the bare domain", "example.com", "*.example.com", false},
		{"wildcard inside wildcard", "*.foo.example.com", "*.example.com", true},
		{"wildcard misses a tagged path (MCO hole)", "foo.example.com/ns/repo:v1", "*.example.com", false},
		{"wildcard does not match a path component", "quay.io/bar.example.com", "*.example.com", false},
		{"unrelated hosts", "quay.io/ns", "example.com", false},
	}
	for _, tc := range tests {
		if got := scopeIsNestedInsideScope(tc.sub, tc.super); got != tc.want {
			t.Errorf("%s: scopeIsNestedInsideScope(%q, %q) = %v, want %v", tc.desc, tc.sub, tc.super, got, tc.want)
		}
	}
}

func TestIsValidRegistriesConfScope(t *testing.T) {
	tests := []struct {
		desc  string
		scope string
		want  bool
	}{
		{"empty", "", false},
		{"host", "example.com", true},
		{"repository", "example.com/ns/repo", true},
		{"wildcard", "*.example.com", true},
		{"wildcard with path", "*.example.com/ns", false},
		{"wildcard with port", "*.example.com:5000", false},
		{"wildcard in the middle", "foo.*.com", false},
	}
	for _, tc := range tests {
		if got := isValidRegistriesConfScope(tc.scope); got != tc.want {
			t.Errorf("%s: isValidRegistriesConfScope(%q) = %v, want %v", tc.desc, tc.scope, got, tc.want)
		}
	}
}

// TestNestingScopesIsTheRule: a scope is nested inside a super-scope by
// scopeIsNestedInsideScope exactly when nestingScopes yields that
// super-scope, on every pair of a corpus of hosts, ports, paths, tags,
// digests and wildcards (the MCO's own vector scopes included). The
// conflict check and the findings rely on it to look scopes up instead of
// testing each cluster scope.
func TestNestingScopesIsTheRule(t *testing.T) {
	corpus := []string{
		"", "/", "example.com", "example.com/ns", "example.com/ns/repo", "example.com/nsx", "example.com:5000",
		"example.com:5000/ns", "example.com/ns/repo:v1", "example.com/ns/repo@sha256:aaaa", "foo.example.com",
		"foo.example.com/ns/repo", "foo.example.com:5000/ns", "foo.example.com/ns/repo:v1", "*.example.com",
		"*.foo.example.com", "*.com", "*.", "*.example.com/ns", "quay.io/bar.example.com", "a.b.c.example.com",
		"localhost", "localhost:5000/ns", "x.y/z:t/u", "x.y:1/z.w", ".example.com", "example.com.", "*example.com",
	}
	var v struct {
		Nested struct {
			Cases []struct {
				SubScope   string `json:"subScope"`
				SuperScope string `json:"superScope"`
			} `json:"cases"`
		} `json:"nested"`
	}
	data, err := os.ReadFile("testdata/mco-vectors/scopes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &v); err != nil || len(v.Nested.Cases) == 0 {
		t.Fatalf("scopes.yaml: %d cases, %v", len(v.Nested.Cases), err)
	}
	for _, c := range v.Nested.Cases {
		corpus = append(corpus, c.SubScope, c.SuperScope)
	}
	for _, sub := range corpus {
		yielded := map[string]bool{}
		for super := range nestingScopes(sub) {
			yielded[super] = true
		}
		for _, super := range corpus {
			if want := scopeIsNestedInsideScope(sub, super); yielded[super] != want {
				t.Errorf("nestingScopes(%q) yields %q: %v, but nested = %v", sub, super, yielded[super], want)
			}
		}
		for super := range yielded {
			if !scopeIsNestedInsideScope(sub, super) {
				t.Errorf("nestingScopes(%q) yields %q, which it is not nested inside", sub, super)
			}
		}
	}
}
