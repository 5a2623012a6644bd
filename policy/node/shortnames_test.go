package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/pkg/shortnames"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

// TestPullCandidatesLikeTheLibrary compares PullCandidates with the
// library's shortnames.Resolve (no terminal, as CRI-O runs) on the same
// registries.conf files, for short and qualified names.
func TestPullCandidatesLikeTheLibrary(t *testing.T) {
	confs := map[string]string{
		"search":    "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n",
		"one":       "unqualified-search-registries = [\"quay.io\"]\n",
		"none":      "[[registry]]\nlocation = \"example.com\"\n",
		"empty":     "unqualified-search-registries = []\n",
		"aliases":   "unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n[aliases]\n\"app\" = \"registry.example.com/team/app\"\n\"busybox\" = \"docker.io/library/busybox\"\n",
		"enforcing": "short-name-mode = \"enforcing\"\nunqualified-search-registries = [\"quay.io\", \"docker.io\"]\n[aliases]\n\"app\" = \"registry.example.com/team/app\"\n",
		"disabled":  "short-name-mode = \"disabled\"\nunqualified-search-registries = [\"quay.io\", \"docker.io\"]\n",
	}
	names := []string{
		"busybox", "busybox:1.36", "library/fedora:39", "app", "app:v2", "app@sha256:" + digestHex,
		"quay.io/org/app:v1", "localhost/x", "localhost:5000/x:1", "example.com:5000/ns/app", "docker.io/busybox",
		"UPPER", "a/b/c:tag",
	}
	for confName, conf := range confs {
		dir := t.TempDir()
		path := filepath.Join(dir, "registries.conf")
		if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		sysregistriesv2.InvalidateCache()
		sys := &types.SystemContext{SystemRegistriesConfPath: path, SystemRegistriesConfDirPath: path + ".d",
			UserShortNameAliasConfPath: filepath.Join(dir, "no-user-aliases.conf")}
		ours, err := LoadRegistriesConf(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			t.Run(confName+"/"+name, func(t *testing.T) {
				var want string
				resolved, libErr := shortnames.Resolve(sys, name)
				if libErr == nil {
					want = candidates(resolved)
				}
				got, err := ours.PullCandidates(name)
				switch {
				case libErr != nil && err == nil:
					t.Fatalf("library refuses (%v), sigpolicy gives %v", libErr, got)
				case libErr == nil && err != nil:
					t.Fatalf("library gives %s, sigpolicy refuses: %v", want, err)
				case libErr != nil:
					if !strings.Contains(libErr.Error(), "enforced") && libErr.Error() != err.Error() {
						t.Errorf("errors differ:\nlibrary   %v\nsigpolicy %v", libErr, err)
					}
				case fmt.Sprint(got) != want:
					t.Errorf("candidates: library %s, sigpolicy %v", want, got)
				}
			})
		}
	}
}

func candidates(r *shortnames.Resolved) string {
	var out []string
	for _, c := range r.PullCandidates {
		out = append(out, c.Value.String())
	}
	return "[" + strings.Join(out, " ") + "]"
}
