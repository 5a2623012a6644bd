package policy

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.podman.io/image/v5/signature"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenTime makes the conditions' lastTransitionTime reproducible.
var goldenTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestRenderGolden renders each testdata/render/<case> directory, and the
// examples directory with the default openshift policy, and compares every
// file byte for byte with testdata/golden/<case>, plus a summary of the
// ImagePolicy conditions and findings.
func TestRenderGolden(t *testing.T) {
	entries, err := os.ReadDir("testdata/render")
	if err != nil {
		t.Fatal(err)
	}
	type goldenCase struct {
		name, dir string
		opts      LoadOptions
	}
	cases := []goldenCase{{name: "examples", dir: "../examples", opts: LoadOptions{IncludeOpenShiftDefault: true}}}
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, goldenCase{name: e.Name(), dir: filepath.Join("testdata/render", e.Name())})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, err := LoadWithOptions(c.opts, c.dir)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Render(set, RenderOptions{Now: goldenTime})
			if err != nil {
				t.Fatal(err)
			}
			got := r.Files()
			got["summary.txt"] = []byte(summary(r))
			dir := filepath.Join("testdata/golden", c.name)
			if *update {
				writeGolden(t, dir, got)
			}
			want := readGolden(t, dir)
			for path, data := range want {
				if g, ok := got[path]; !ok {
					t.Errorf("%s: not rendered", path)
				} else if string(g) != string(data) {
					t.Errorf("%s differs\n got: %s\nwant: %s", path, g, data)
				}
			}
			for path := range got {
				if _, ok := want[path]; !ok {
					t.Errorf("%s: rendered but not expected", path)
				}
			}
			assertLibraryLoads(t, r)
			assertLibraryResolves(t, r.RegistriesConf)
		})
	}
}

// assertLibraryLoads parses every rendered policy with the containers
// library's strict parser, as CRI-O does.
func assertLibraryLoads(t *testing.T, r *Rendered) {
	t.Helper()
	if _, err := signature.NewPolicyFromBytes(r.PolicyJSON); err != nil {
		t.Errorf("policy.json rejected by the library: %v", err)
	}
	for ns, data := range r.NamespacePolicies {
		if _, err := signature.NewPolicyFromBytes(data); err != nil {
			t.Errorf("%s.json rejected by the library: %v", ns, err)
		}
	}
}

func summary(r *Rendered) string {
	var b strings.Builder
	for _, st := range r.Statuses {
		fmt.Fprintf(&b, "ImagePolicy %s/%s applied=%q conflicting=%q\n", st.Namespace, st.Name, st.Applied, st.Conflicting)
		for _, c := range st.Conditions {
			fmt.Fprintf(&b, "  condition type=%s status=%s reason=%s time=%s\n  message=%s\n", c.Type, c.Status, c.Reason, c.LastTransitionTime.UTC().Format(time.RFC3339), c.Message)
		}
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "finding %s: %s\n", f.Type, f.Message)
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func writeGolden(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for path, data := range files {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readGolden(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[rel] = data
		return err
	})
	if err != nil {
		t.Fatalf("golden files: %v (run with -update to create them)", err)
	}
	return files
}
