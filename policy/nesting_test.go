package policy

import "testing"

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
