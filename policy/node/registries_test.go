package node

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// libraryLookaside is the library's lookaside URL for ref with the
// registries.d directory dir (docker.SignatureStorageBaseURL, the exported
// entry to its loader and scope walk).
func libraryLookaside(t *testing.T, dir string, ref reference.Named, write bool) (*url.URL, error) {
	t.Helper()
	dref, err := docker.NewReference(reference.TagNameOnly(ref))
	if err != nil {
		t.Fatal(err)
	}
	return docker.SignatureStorageBaseURL(&types.SystemContext{RegistriesDirPath: dir}, dref, write)
}

func TestLoadRegistriesDErrorsMatchLibrary(t *testing.T) {
	ref, err := reference.ParseNormalizedNamed("example.com/ns/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc  string
		files map[string]string
	}{
		{"invalid YAML", map[string]string{"0.yaml": "}"}},
		{"wrong type", map[string]string{"0.yaml": "docker: 3"}},
		{"duplicate default-docker", map[string]string{
			"0.yaml": "default-docker:\n lookaside: file:////tmp/something",
			"1.yaml": "default-docker:\n lookaside: file:////tmp/different",
		}},
		{"duplicate namespace", map[string]string{
			"0.yaml": "docker:\n example.com:\n  lookaside: file:////tmp/something",
			"1.yaml": "docker:\n example.com:\n  lookaside: file:////tmp/different",
		}},
		{"duplicate key in one file", map[string]string{"0.yaml": "docker:\n a.com: {}\n a.com: {}\n"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, ours := LoadRegistriesD(dir)
			_, lib := libraryLookaside(t, dir, ref, false)
			// Go type names in YAML type errors are the one known difference.
			libText := strings.ReplaceAll(lib.Error(), "docker.registryNamespace", "node.RegistryNamespace")
			if ours == nil || lib == nil || ours.Error() != libText {
				t.Fatalf("LoadRegistriesD error %v, library %v", ours, lib)
			}
		})
	}
}

func TestLoadRegistriesDEmpty(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "absent"), t.TempDir()} {
		r, err := LoadRegistriesD(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if r.DefaultDocker != nil || r.Docker == nil || len(r.Docker) != 0 {
			t.Errorf("%s: got %+v, want an empty configuration", dir, r)
		}
	}
}

// TestLoadRegistriesDFixtures is the library's fully worked example
// (TestLoadRegistryConfigurationFromRegistriesDirPath): an empty file, two
// real ones and a non-.yaml file that must be ignored.
func TestLoadRegistriesDFixtures(t *testing.T) {
	r, err := LoadRegistriesD(filepath.Join("testdata", "registries.d"))
	if err != nil {
		t.Fatal(err)
	}
	want := &Registries{
		DefaultDocker: &RegistryNamespace{Lookaside: "file:///mnt/companywide/signatures/for/other/repositories"},
		Docker: map[string]RegistryNamespace{
			"example.com":                    {Lookaside: "https://lookaside.example.com"},
			"registry.test.example.com":      {Lookaside: "http://registry.test.example.com/lookaside"},
			"registry.test.example.com:8888": {Lookaside: "http://registry.test.example.com:8889/lookaside", LookasideStaging: "https://registry.test.example.com:8889/lookaside/specialAPIserverWhichDoesNotExist"},
			"localhost":                      {Lookaside: "file:///home/mitr/mydevelopment1"},
			"localhost:8080":                 {Lookaside: "file:///home/mitr/mydevelopment2"},
			"localhost/invalid/url/test":     {Lookaside: ":emptyscheme"},
			"localhost/file/path/test":       {Lookaside: "/no/scheme/just/a/path"},
			"localhost/relative/path/test":   {Lookaside: "no/scheme/relative/path"},
			"docker.io/contoso":              {Lookaside: "https://lookaside.contoso.com/fordocker"},
			"docker.io/centos":               {Lookaside: "https://lookaside.centos.org/"},
			"docker.io/centos/mybetaproduct": {
				Lookaside:        "http://localhost:9999/mybetaWIP/lookaside",
				LookasideStaging: "file:///srv/mybetaWIP/lookaside",
			},
			"docker.io/centos/mybetaproduct:latest": {Lookaside: "https://lookaside.centos.org/"},
		},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
}

func boolPtr(b bool) *bool { return &b }

// TestUseSigstoreAttachments checks the field-by-field walk: a scope that
// matches but leaves use-sigstore-attachments unset does not decide.
func TestUseSigstoreAttachments(t *testing.T) {
	r := &Registries{
		DefaultDocker: &RegistryNamespace{UseSigstoreAttachments: boolPtr(true)},
		Docker: map[string]RegistryNamespace{
			"quay.io/ns/app:v1":  {Lookaside: "https://l.example.com"},
			"quay.io/ns":         {UseSigstoreAttachments: boolPtr(false)},
			"quay.io":            {UseSigstoreAttachments: boolPtr(true)},
			"*.example.com":      {UseSigstoreAttachments: boolPtr(false)},
			"a.example.com:5000": {Lookaside: "https://l.example.com"},
			"docker.io/library":  {UseSigstoreAttachments: boolPtr(false)},
			"localhost":          {},
		},
	}
	for _, c := range []struct {
		desc, ref string
		want      bool
	}{
		{"identity without the field falls through to the namespace", "quay.io/ns/app:v1", false},
		{"namespace", "quay.io/ns/other@sha256:" + strings.Repeat("a", 64), false},
		{"host", "quay.io/other/app", true},
		{"wildcard after port-qualified host without the field", "a.example.com:5000/x", false},
		{"wildcard", "b.c.example.com/x", false},
		{"docker.io normalisation", "busybox", false},
		{"docker.io user repo falls to default-docker", "user/app", true},
		{"empty namespace falls to default-docker", "localhost/x", true},
	} {
		ref, err := reference.ParseNormalizedNamed(c.ref)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.UseSigstoreAttachments(ref); got != c.want {
			t.Errorf("%s: UseSigstoreAttachments(%s) = %v, want %v", c.desc, c.ref, got, c.want)
		}
	}
	none := &Registries{Docker: map[string]RegistryNamespace{"quay.io": {}}}
	ref, _ := reference.ParseNormalizedNamed("quay.io/a")
	if none.UseSigstoreAttachments(ref) {
		t.Error("nothing set must mean false")
	}
	loaded, err := LoadRegistriesD(writeFiles(t, map[string]string{
		"sigstore-registries.yaml": "docker:\n  quay.io/ns:\n    use-sigstore-attachments: true\n",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if ref, _ := reference.ParseNormalizedNamed("quay.io/ns/app:v1"); !loaded.UseSigstoreAttachments(ref) {
		t.Error("the MCO's sigstore-registries.yaml must enable attachments for its scope")
	}
}

// TestLookasideMatchesLibrary compares the walk with the library's over
// random registries.d directories and thousands of references, through the
// lookaside field (the one the library exports a lookup for; it walks the
// scopes exactly as for use-sigstore-attachments).
func TestLookasideMatchesLibrary(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	scopes := resolveScopes()[1:]
	refs := resolveReferences(500)
	builtin, err := libraryLookaside(t, t.TempDir(), refs[0], false)
	if err != nil {
		t.Fatal(err)
	}
	builtinBase := strings.TrimSuffix(builtin.String(), "/"+reference.Path(refs[0]))
	for round := range 3 {
		var files [2]strings.Builder
		files[0].WriteString("docker:\n")
		files[1].WriteString("default-docker:\n  lookaside: https://default.example.com\ndocker:\n")
		if round == 2 {
			files[1].Reset()
			files[1].WriteString("docker:\n")
		}
		for i, s := range scopes {
			f := &files[r.IntN(2)]
			switch r.IntN(4) {
			case 0: // no lookaside: the walk must go on
				fmt.Fprintf(f, "  %q:\n    use-sigstore-attachments: true\n", s)
			case 1:
				fmt.Fprintf(f, "  %q:\n    lookaside-staging: https://w%d.example.com\n", s, i)
			case 2:
				fmt.Fprintf(f, "  %q:\n    sigstore: https://s%d.example.com\n", s, i)
			default:
				fmt.Fprintf(f, "  %q:\n    lookaside: https://l%d.example.com\n", s, i)
			}
		}
		dir := writeFiles(t, map[string]string{"a.yaml": files[0].String(), "b.yaml": files[1].String()})
		ours, err := LoadRegistriesD(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range refs {
			for _, write := range []bool{false, true} {
				lib, err := libraryLookaside(t, dir, ref, write)
				if err != nil {
					t.Fatal(err)
				}
				top := ours.LookasideTopLevel(ref, write)
				if top == "" {
					top = builtinBase
				}
				want := strings.TrimSuffix(lib.String(), "/"+reference.Path(ref))
				if top != want {
					t.Fatalf("round %d, %s (write=%v): ours %q, library %q", round, ref, write, top, want)
				}
			}
		}
	}
}

func TestParseRegistriesDMatchesLoad(t *testing.T) {
	files := map[string][]byte{
		"b.yaml": []byte("docker:\n  example.com:\n    use-sigstore-attachments: true\n"),
		"a.yaml": []byte("default-docker:\n  use-sigstore-attachments: false\ndocker:\n  example.com/ns:\n    use-sigstore-attachments: false\n"),
	}
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fromDir, err := LoadRegistriesD(dir)
	if err != nil {
		t.Fatal(err)
	}
	fromMemory, err := ParseRegistriesD(files)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"example.com/ns/app:1", "example.com/other:1", "quay.io/x:1"} {
		ref, err := reference.ParseNormalizedNamed(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fromMemory.UseSigstoreAttachments(ref), fromDir.UseSigstoreAttachments(ref); got != want {
			t.Errorf("%s: ParseRegistriesD says %v, LoadRegistriesD says %v", s, got, want)
		}
	}
	files["c.yaml"] = []byte("docker:\n  example.com:\n    use-sigstore-attachments: false\n")
	_, err = ParseRegistriesD(files)
	if err == nil || !strings.Contains(err.Error(), `"docker" namespace "example.com" defined both in "b.yaml" and "c.yaml"`) {
		t.Errorf("duplicate scope: got error %v", err)
	}
}
