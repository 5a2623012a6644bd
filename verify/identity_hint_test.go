package verify

import (
	"strings"
	"testing"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// TestIdentityHints: a refused signed identity is explained by the rule
// that refused it and the ways out; an accepted one needs no hint.
func TestIdentityHints(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	tests := []struct {
		desc, rule, image, signed string
		want                      []string // substrings; none means no hint
	}{
		{"repository-only identity, pull by tag", "", "quay.io/org/app:v1", "quay.io/org/app",
			[]string{"matchRepoDigestOrExact never accepts a signature whose identity names no tag or digest", "MatchRepository", "--sign-container-identity quay.io/org/app:TAG"}},
		{"repository-only identity, pull by digest", "", "quay.io/org/app@" + digest, "quay.io/org/app",
			[]string{"not even for a pull by digest"}},
		{"another tag", "", "quay.io/org/app:v1", "quay.io/org/app:v2", []string{"needs, for a pull by tag, a signature that names that tag (quay.io/org/app:v1)", "pull by digest"}},
		{"another repository", "matchRepository", "quay.io/org/app:v1", "quay.io/org/other:v1", []string{"compares repositories: the signature is for quay.io/org/other, the image is quay.io/org/app"}},
		{"remapped", "remap", "mirror.example.net/org/app:v1", "quay.io/org/app", []string{"remapIdentity (mirror.example.net→quay.io, then matchRepoDigestOrExact) never accepts"}},
		{"exact repository", "exactRepository", "quay.io/org/app:v1", "quay.io/org/other:v1", []string{"exactRepository accepts only signatures for repository quay.io/signed/app"}},
		{"not a reference", "", "quay.io/org/app:v1", "Not A Reference", []string{"not a valid image reference"}},
		{"accepted", "", "quay.io/org/app:v1", "quay.io/org/app:v1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			id := node.Identity{Type: node.MatchRepoDigestOrExact}
			switch tt.rule {
			case "matchRepository":
				id = node.Identity{Type: node.MatchRepository}
			case "remap":
				id = node.Identity{Type: node.RemapIdentity, Prefix: "mirror.example.net", SignedPrefix: "quay.io"}
			case "exactRepository":
				id = node.Identity{Type: node.ExactRepository, DockerRepository: "quay.io/signed/app"}
			}
			rule, err := compileIdentity(id)
			if err != nil {
				t.Fatal(err)
			}
			image, err := reference.ParseNormalizedNamed(tt.image)
			if err != nil {
				t.Fatal(err)
			}
			hint := rule.explain(image, tt.signed)
			if matched := rule.matches(image, tt.signed); matched != (tt.want == nil) {
				t.Fatalf("matches = %v", matched)
			}
			if tt.want == nil && hint != "" {
				t.Errorf("hint %q for an accepted identity", hint)
			}
			for _, w := range tt.want {
				if !strings.Contains(hint, w) {
					t.Errorf("hint %q lacks %q", hint, w)
				}
			}
		})
	}
}
