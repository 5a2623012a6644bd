package node

import (
	"testing"

	"go.podman.io/image/v5/docker/reference"
)

func TestShadows(t *testing.T) {
	tests := []struct {
		desc, narrow, broad string
		want                bool
	}{
		{"repository under namespace", "quay.io/org/app", "quay.io/org", true},
		{"repository under host", "quay.io/org/app", "quay.io", true},
		{"tag of the repository", "quay.io/org/app:v1", "quay.io/org/app", true},
		{"digest of the repository", "quay.io/org/app@sha256:abc", "quay.io/org/app", true},
		{"tag under the namespace", "quay.io/org/app:v1", "quay.io/org", true},
		{"sibling with a common prefix", "quay.io/organisation", "quay.io/org", false},
		{"port-qualified host never falls back", "quay.io:5000/org", "quay.io", false},
		{"port-qualified host keeps its port", "quay.io:5000/org", "quay.io:5000", true},
		{"tag on a port-qualified host", "quay.io:5000/org/app:v1", "quay.io:5000/org/app", true},
		{"equal", "quay.io/org", "quay.io/org", false},
		{"host under a wildcard", "a.example.com/x", "*.example.com", true},
		{"port-qualified host under a wildcard", "a.example.com:5000/x", "*.example.com", true},
		{"deeper wildcard", "*.b.example.com", "*.example.com", true},
		{"wildcard does not cover its own domain", "example.com/x", "*.example.com", false},
		{"broader under narrower", "quay.io", "quay.io/org", false},
		{"dot-less host has no wildcards", "localhost/x", "*.localhost", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := Shadows(tt.narrow, tt.broad); got != tt.want {
				t.Errorf("Shadows(%q, %q) = %v, want %v", tt.narrow, tt.broad, got, tt.want)
			}
		})
	}
}

// TestShadowsAgreesWithResolve: for an image matched by narrow, removing
// narrow from a policy makes Resolve pick broad exactly when Shadows says
// broad was hidden (and nothing more specific sits between them).
func TestShadowsAgreesWithResolve(t *testing.T) {
	images := map[string]string{
		"quay.io/org/app":                     "quay.io/org/app:v1",
		"quay.io/org/app:v1":                  "quay.io/org/app:v1",
		"quay.io/org/app@sha256:" + digestHex: "quay.io/org/app@sha256:" + digestHex,
		"quay.io:5000/org":                    "quay.io:5000/org/x:1",
		"a.example.com/x":                     "a.example.com/x/y:1",
		"a.example.com:5000/x":                "a.example.com:5000/x:1",
		"*.b.example.com":                     "c.b.example.com/r:1",
		"localhost/x":                         "localhost/x:1",
	}
	broads := []string{"quay.io/org/app", "quay.io/org", "quay.io", "quay.io:5000", "*.example.com", "*.com", "*.io", "example.com", "*.localhost", "quay.io/organisation"}
	for narrow, image := range images {
		ref, err := reference.ParseNormalizedNamed(image)
		if err != nil {
			t.Fatal(err)
		}
		for _, broad := range broads {
			if broad == narrow {
				continue
			}
			p := &Policy{Transports: map[string]map[string]Requirements{"docker": {broad: {{Type: Reject}}}}}
			matched := p.Resolve("docker", ref).Scope == broad
			if got := Shadows(narrow, broad); got != matched {
				t.Errorf("Shadows(%q, %q) = %v, but resolving %s with only %q in the policy matched=%v", narrow, broad, got, image, broad, matched)
			}
		}
	}
}

const digestHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
