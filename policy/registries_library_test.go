package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// libraryContext writes data as registries.conf, with an empty drop-in
// directory, and has the containers library load it.
func libraryContext(t *testing.T, data []byte) *types.SystemContext {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "registries.conf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := &types.SystemContext{SystemRegistriesConfPath: path, SystemRegistriesConfDirPath: filepath.Join(dir, "registries.conf.d")}
	if _, err := sysregistriesv2.TryUpdatingCache(ctx); err != nil {
		t.Fatalf("the library refuses the registries.conf: %v\n%s", err, data)
	}
	return ctx
}

// libraryPullSources is where the library pulls ref from: the pull
// sources, as strings, and the blocked flag of the entry FindRegistry picks;
// with no entry, the reference itself.
func libraryPullSources(t *testing.T, ctx *types.SystemContext, ref string) (sources []string, blocked, found bool) {
	t.Helper()
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := sysregistriesv2.FindRegistry(ctx, named.String())
	if err != nil {
		t.Fatal(err)
	}
	if reg == nil {
		return []string{named.String()}, false, false
	}
	ps, err := reg.PullSourcesFromReference(named)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ps {
		sources = append(sources, s.Reference.String())
	}
	return sources, reg.Blocked, true
}

// assertLibraryResolves loads a rendered registries.conf with the library
// and checks, for a repository under every entry, that the library picks
// that entry and pulls a digest (tag) reference from the entry's digest
// (tag) mirrors in order and then from the entry itself: what the entry is
// written for. It also checks that the in-memory lookup Render uses for
// registries.d picks the entry the library picks.
func assertLibraryResolves(t *testing.T, data []byte) {
	t.Helper()
	ctx := libraryContext(t, data)
	var conf sysregistriesv2.V2RegistriesConf
	if _, err := toml.Decode(string(data), &conf); err != nil {
		t.Fatal(err)
	}
	table := newRegistryTable(conf.Registries)
	for _, e := range conf.Registries {
		scope := registryScope(&e)
		host := scope
		if strings.HasPrefix(scope, "*.") {
			host = "probe" + scope[1:]
		}
		repo := host + "/probe/image"
		for _, byDigest := range []bool{true, false} {
			ref := repo + ":v1"
			if byDigest {
				ref = repo + "@" + testDigest
			}
			got, blocked, found := libraryPullSources(t, ctx, ref)
			if !found {
				t.Errorf("%s: the library finds no entry", ref)
				continue
			}
			rest := ref[len(host):]
			var want []string
			for _, m := range e.Mirrors {
				if m.PullFromMirror == "" || m.PullFromMirror == sysregistriesv2.MirrorAll ||
					(m.PullFromMirror == sysregistriesv2.MirrorByDigestOnly) == byDigest {
					want = append(want, m.Location+rest)
				}
			}
			if e.Location == "" {
				want = append(want, ref)
			} else {
				want = append(want, e.Location+rest)
			}
			if !slices.Equal(got, want) || blocked != e.Blocked {
				t.Errorf("%s: the library pulls from %q (blocked %v), the entry for %s says %q (blocked %v)", ref, got, blocked, scope, want, e.Blocked)
			}
			for _, probe := range []string{ref, repo, scope} {
				lib, err := sysregistriesv2.FindRegistry(ctx, probe)
				if err != nil {
					t.Fatal(err)
				}
				mine := table.find(probe)
				if (lib == nil) != (mine == nil) || (lib != nil && lib.Prefix != mine.Prefix) {
					t.Errorf("FindRegistry(%s): library %v, sigpolicy %v", probe, lib, mine)
				}
			}
		}
	}
}

// TestFindRegistryMatchesLibrary compares the in-memory lookup with the
// library's FindRegistry on prefixes that compete: nested paths, ports,
// wildcards of several depths and a wildcard as long as a plain prefix.
func TestFindRegistryMatchesLibrary(t *testing.T) {
	conf := `[[registry]]
location = "example.com"
[[registry]]
location = "example.com/ns"
[[registry]]
location = "example.com/ns/repo"
[[registry]]
location = "example.com:5000"
[[registry]]
prefix = "*.example.com"
[[registry]]
prefix = "*.b.example.com"
[[registry]]
location = "a.b.com"
[[registry]]
prefix = "*.b.com"
[[registry]]
location = "localhost:5000/x"
[[registry]]
prefix = "mirrored.io/team"
location = "mirror.io/team"
`
	ctx := libraryContext(t, []byte(conf))
	var parsed sysregistriesv2.V2RegistriesConf
	if _, err := toml.Decode(conf, &parsed); err != nil {
		t.Fatal(err)
	}
	table := newRegistryTable(parsed.Registries)
	for _, probe := range []string{
		"example.com", "example.com/x", "example.com/ns", "example.com/nsx", "example.com/ns/repo:v1", "example.com/ns/repo@" + testDigest,
		"example.com:5000/a", "example.com:5001/a", "x.example.com/a", "y.b.example.com/a", "b.example.com", "a.b.com/x", "c.b.com/x",
		"a.b.com", "b.com/x", "localhost:5000/x/y", "localhost:5000/y", "mirrored.io/team/app", "mirror.io/team/app", "other.io/x",
		"*.example.com", "*.b.com",
	} {
		lib, err := sysregistriesv2.FindRegistry(ctx, probe)
		if err != nil {
			t.Fatal(err)
		}
		mine := table.find(probe)
		if (lib == nil) != (mine == nil) || (lib != nil && (lib.Prefix != mine.Prefix || lib.Location != mine.Location)) {
			t.Errorf("FindRegistry(%s): library %+v, sigpolicy %+v", probe, lib, mine)
		}
	}
}
