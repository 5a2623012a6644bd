package node

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

// libraryRegistriesConf loads main (and main.d) through the containers
// library, bypassing its cache.
func libraryRegistriesConf(t testing.TB, main string) (*types.SystemContext, *sysregistriesv2.V2RegistriesConf, error) {
	t.Helper()
	sysregistriesv2.InvalidateCache()
	sys := &types.SystemContext{SystemRegistriesConfPath: main, SystemRegistriesConfDirPath: main + ".d"}
	conf, err := sysregistriesv2.TryUpdatingCache(sys)
	return sys, conf, err
}

// probeRefs are looked up in every compared configuration.
var probeRefs = []string{
	"example.com", "example.com/ns/repo:tag", "example.com:5000/ns/repo", "example.com/ns",
	"a.example.com/x/y@sha256:" + strings.Repeat("a", 64), "b.a.example.com:443/z",
	"registry.example.com/ns/repo", "mirror.local:5000/ns/r:1", "other.io/x", "example.company/x",
	"quay.io/openshift-release-dev/ocp-release@sha256:" + strings.Repeat("b", 64),
	"quay.io/openshift-release-dev/ocp-v4.0-art-dev:latest",
}

// compareConfWithLibrary loads the files under dir/registries.conf both ways and
// fails on any difference: error text, merged entries, search registries,
// the entry found for each probe and its pull sources.
func compareConfWithLibrary(t *testing.T, main string) {
	t.Helper()
	sys, want, wantErr := libraryRegistriesConf(t, main)
	got, gotErr := LoadRegistriesConf(main)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("error: library %v, sigpolicy %v\n%s", wantErr, gotErr, dumpConf(main))
	}
	if wantErr != nil {
		return
	}
	if !reflect.DeepEqual(want.Registries, got.Registries()) && !(len(want.Registries) == 0 && len(got.Registries()) == 0) {
		t.Fatalf("registries:\nlibrary   %+v\nsigpolicy %+v\n%s", want.Registries, got.Registries(), dumpConf(main))
	}
	if fmt.Sprint(want.UnqualifiedSearchRegistries) != fmt.Sprint(got.UnqualifiedSearchRegistries()) {
		t.Fatalf("search: library %q, sigpolicy %q", want.UnqualifiedSearchRegistries, got.UnqualifiedSearchRegistries())
	}
	for _, ref := range probeRefs {
		lib, err := sysregistriesv2.FindRegistry(sys, ref)
		if err != nil {
			t.Fatal(err)
		}
		ours := got.FindRegistry(ref)
		if (lib == nil) != (ours == nil) || (lib != nil && !reflect.DeepEqual(*lib, *ours)) {
			t.Fatalf("FindRegistry(%q): library %+v, sigpolicy %+v\n%s", ref, lib, ours, dumpConf(main))
		}
		named, err := reference.ParseNamed(ref)
		if lib == nil || err != nil {
			continue
		}
		libSources, libErr := lib.PullSourcesFromReference(named)
		ourSources, ourErr := ours.PullSourcesFromReference(named)
		if fmt.Sprint(libSources, libErr) != fmt.Sprint(ourSources, ourErr) {
			t.Fatalf("pull sources of %q differ", ref)
		}
	}
}

func dumpConf(main string) string {
	var b strings.Builder
	paths, _ := filepath.Glob(main + ".d/*")
	for _, p := range append([]string{main}, paths...) {
		data, _ := os.ReadFile(p)
		fmt.Fprintf(&b, "--- %s\n%s", p, data)
	}
	return b.String()
}

func writeConf(t *testing.T, dir, main string, dropIns map[string]string) string {
	t.Helper()
	path := filepath.Join(dir, "registries.conf")
	if err := os.WriteFile(path, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(dropIns) > 0 {
		if err := os.MkdirAll(path+".d", 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range dropIns {
			if err := os.WriteFile(filepath.Join(path+".d", name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return path
}

func TestRegistriesConfCases(t *testing.T) {
	cases := []struct {
		name    string
		main    string
		dropIns map[string]string
	}{
		{"empty", "", nil},
		{"mirrors", `
unqualified-search-registries = ["registry.access.redhat.com", "docker.io"]
[[registry]]
prefix = "quay.io/openshift-release-dev/ocp-release"
location = "quay.io/openshift-release-dev/ocp-release"
mirror-by-digest-only = true
[[registry.mirror]]
location = "mirror.local:5000/ocp/release"
[[registry]]
location = "example.com/ns/"
blocked = true
`, nil},
		{"drop-in replaces prefix and search", `
unqualified-search-registries = ["docker.io"]
[[registry]]
location = "example.com"
insecure = true
`, map[string]string{"01-search.conf": `unqualified-search-registries = ["registry.example.com"]
[[registry]]
location = "example.com"
[[registry.mirror]]
location = "mirror.local:5000/ns"
pull-from-mirror = "tag-only"
`, "ignored.txt": `bad = [`}},
		{"wildcard", `
[[registry]]
prefix = "*.example.com"
blocked = true
`, nil},
		{"v1 refused", "[registries.search]\nregistries = ['docker.io']\n", nil},
		{"scheme refused", "[[registry]]\nlocation = \"https://example.com\"\n", nil},
		{"conflicting insecure", "[[registry]]\nprefix=\"a.com/x\"\nlocation = \"example.com\"\ninsecure=true\n[[registry]]\nprefix=\"a.com/y\"\nlocation = \"example.com\"\n", nil},
		{"bad alias", "[aliases]\n\"docker.io/busybox\" = \"x\"\n", nil},
		{"bad wildcard", "[[registry]]\nprefix = \"*.example.com/ns\"\nlocation=\"x.com\"\n", nil},
		{"syntax", "[[registry]\n", nil},
		{"broken drop-in", "", map[string]string{"50-x.conf": "short-name-mode = \"sometimes\"\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			compareConfWithLibrary(t, writeConf(t, t.TempDir(), c.main, c.dropIns))
		})
	}
}

func TestRegistriesConfMissingMainFile(t *testing.T) {
	main := filepath.Join(t.TempDir(), "registries.conf")
	if _, err := LoadRegistriesConf(main); err == nil {
		t.Fatal("a registries.conf named explicitly but missing must be an error, as in the library")
	}
	compareConfWithLibrary(t, main)
}

// TestRegistriesConfGenerated compares random configurations built from
// valid and invalid pieces with the library's reading of the same files.
func TestRegistriesConfGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	n := 400
	if testing.Short() {
		n = 50
	}
	for i := range n {
		dir := t.TempDir()
		dropIns := map[string]string{}
		for j := range rng.IntN(3) {
			dropIns[fmt.Sprintf("%02d-gen.conf", j)] = randomConf(rng)
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			compareConfWithLibrary(t, writeConf(t, dir, randomConf(rng), dropIns))
		})
	}
}

func randomConf(rng *rand.Rand) string {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	var b strings.Builder
	if rng.IntN(4) == 0 {
		fmt.Fprintf(&b, "unqualified-search-registries = [%s]\n", pick(`"docker.io"`, `"registry.example.com", "quay.io"`, `"bad/entry"`, `"example.com/"`, ``))
	}
	if rng.IntN(10) == 0 {
		fmt.Fprintf(&b, "short-name-mode = %q\n", pick("enforcing", "permissive", "disabled", "sometimes"))
	}
	for range rng.IntN(4) {
		b.WriteString("[[registry]]\n")
		if p := pick("", "example.com", "example.com/ns", "*.example.com", "*.example.com:5000", "quay.io/openshift-release-dev", "example.com/ns/", "http://example.com"); p != "" {
			fmt.Fprintf(&b, "prefix = %q\n", p)
		}
		if l := pick("", "example.com", "mirror.local:5000/ns", "registry.example.com/", "quay.io/openshift-release-dev/ocp-release", "example.com:5000"); l != "" {
			fmt.Fprintf(&b, "location = %q\n", l)
		}
		for _, flag := range []string{"insecure", "blocked", "mirror-by-digest-only"} {
			if rng.IntN(4) == 0 {
				fmt.Fprintf(&b, "%s = true\n", flag)
			}
		}
		if rng.IntN(20) == 0 {
			b.WriteString("pull-from-mirror = \"all\"\n")
		}
		for range rng.IntN(3) {
			b.WriteString("[[registry.mirror]]\n")
			if l := pick("mirror.local:5000/m", "mirror2.example.net/x/", "", "mirror.local:5000"); l != "" {
				fmt.Fprintf(&b, "location = %q\n", l)
			}
			if v := pick("", "", "all", "digest-only", "tag-only", "never"); v != "" {
				fmt.Fprintf(&b, "pull-from-mirror = %q\n", v)
			}
			if rng.IntN(4) == 0 {
				b.WriteString("insecure = true\n")
			}
		}
	}
	if rng.IntN(15) == 0 {
		fmt.Fprintf(&b, "[aliases]\n%q = %q\n", pick("busybox", "docker.io/busybox", "x:tag"), pick("docker.io/library/busybox", "busybox", ""))
	}
	return b.String()
}

func TestParseRegistriesConfInMemoryMatchesFiles(t *testing.T) {
	main := "[[registry]]\nlocation = \"example.com\"\n[[registry.mirror]]\nlocation = \"m.example.net\"\n"
	dropIn := "[[registry]]\nlocation = \"example.com\"\nblocked = true\n"
	path := writeConf(t, t.TempDir(), main, map[string]string{"10.conf": dropIn})
	fromFiles, err := LoadRegistriesConf(path)
	if err != nil {
		t.Fatal(err)
	}
	inMemory, err := ParseRegistriesConf(ConfFile{Name: "main", Data: []byte(main)}, ConfFile{Name: "10.conf", Data: []byte(dropIn)})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFiles.Registries(), inMemory.Registries()) {
		t.Fatalf("files %+v, memory %+v", fromFiles.Registries(), inMemory.Registries())
	}
	if r := inMemory.FindRegistry("example.com/x"); r == nil || !r.Blocked || len(r.Mirrors) != 0 {
		t.Fatalf("the drop-in's entry must replace the main file's: %+v", r)
	}
}

func FuzzRegistriesConf(f *testing.F) {
	f.Add("[[registry]]\nlocation = \"example.com\"\n[[registry.mirror]]\nlocation = \"m.example.net\"\npull-from-mirror = \"digest-only\"\n")
	f.Add("unqualified-search-registries = [\"docker.io\"]\n[aliases]\nbusybox = \"docker.io/library/busybox\"\n")
	f.Add("[[registry]]\nprefix = \"*.example.com\"\nblocked = true\n")
	f.Fuzz(func(t *testing.T, data string) {
		main := filepath.Join(t.TempDir(), "registries.conf")
		if err := os.WriteFile(main, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, want, wantErr := libraryRegistriesConf(t, main)
		got, gotErr := LoadRegistriesConf(main)
		if (wantErr == nil) != (gotErr == nil) {
			t.Fatalf("library error %v, sigpolicy error %v", wantErr, gotErr)
		}
		if wantErr == nil && len(want.Registries)+len(got.Registries()) > 0 && !reflect.DeepEqual(want.Registries, got.Registries()) {
			t.Fatalf("library %+v, sigpolicy %+v", want.Registries, got.Registries())
		}
	})
}

func TestSamePullSources(t *testing.T) {
	parse := func(text string) *RegistriesConf {
		t.Helper()
		c, err := ParseRegistriesConf(ConfFile{Name: "r.conf", Data: []byte(text)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mirrored := "[[registry]]\nlocation = \"example.com\"\n[[registry.mirror]]\nlocation = \"m.example.net\"\n"
	var none *RegistriesConf
	for _, tc := range []struct {
		desc string
		a, b *RegistriesConf
		want bool
	}{
		{"nil and a search-only file", none, parse("unqualified-search-registries = [\"docker.io\"]\n"), true},
		{"same entries from two parses", parse(mirrored), parse(mirrored), true},
		{"nil and mirrors", none, parse(mirrored), false},
		{"other mirror", parse(mirrored), parse(strings.Replace(mirrored, "m.example.net", "n.example.net", 1)), false},
		{"blocked", parse(mirrored), parse(strings.Replace(mirrored, "[[registry.mirror]]", "blocked = true\n[[registry.mirror]]", 1)), false},
	} {
		if got := tc.a.SamePullSources(tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.desc, got, tc.want)
		}
	}
}
