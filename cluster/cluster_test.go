package cluster_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

const examples = "../examples"

// objects is the examples directory plus an ImagePolicy whose scope
// survives the MCO's conflict rule, so that namespace team-a gets a policy
// file of its own.
func objects(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(examples)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(examples, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if e.Name() == "imagepolicy-matchrepository.yaml" {
			own := strings.NewReplacer("namespace: mynamespace", "namespace: team-a", "example.io/crio/signed", "registry.team-a.example.com/app").Replace(string(data))
			if err := os.WriteFile(filepath.Join(dir, "team-a.yaml"), []byte(own), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	image := "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    containerRuntimeSearchRegistries: [registry.example.com]\n"
	if err := os.WriteFile(filepath.Join(dir, "image.yaml"), []byte(image), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func compileExamples(t *testing.T) *cluster.Compiled {
	t.Helper()
	c, err := cluster.Load(cluster.Source{Objects: []string{objects(t)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRenderedRootCompilesLikeObjects: the files render writes, read back as
// a node root, are the same configuration as the objects compiled in memory.
func TestRenderedRootCompilesLikeObjects(t *testing.T) {
	fromObjects := compileExamples(t)
	root := t.TempDir()
	if err := fromObjects.Rendered.WriteDir(root); err != nil {
		t.Fatal(err)
	}
	fromRoot, err := cluster.Load(cluster.Source{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fromRoot.Namespaces(), fromObjects.Namespaces(); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(got, []string{"team-a"}) {
		t.Fatalf("namespaces with their own policy: root %v, objects %v", got, want)
	}
	for _, ns := range append([]string{"", "unrelated"}, fromObjects.Namespaces()...) {
		a, err := fromObjects.Node(ns)
		if err != nil {
			t.Fatal(err)
		}
		b, err := fromRoot.Node(ns)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Policy, b.Policy) || !reflect.DeepEqual(a.RegistriesD, b.RegistriesD) {
			t.Errorf("namespace %q: the rendered root differs from the compiled objects", ns)
		}
		if !strings.HasSuffix(b.PolicyName, strings.TrimPrefix(a.PolicyName, "rendered ")) {
			t.Errorf("namespace %q: policy names %q and %q name different files", ns, a.PolicyName, b.PolicyName)
		}
	}
}

func TestBrokenNamespaceFileFailsOnlyThatNamespace(t *testing.T) {
	root := t.TempDir()
	if err := compileExamples(t).Rendered.WriteDir(root); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(root, "etc/crio/policies/broken.json")
	if err := os.WriteFile(broken, []byte(`{"default": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := cluster.FromRoot(root)
	if err != nil {
		t.Fatalf("a broken namespace file must not fail the node: %v", err)
	}
	if _, err := c.Node("broken"); err == nil {
		t.Error("the broken namespace's configuration loaded")
	}
	if _, err := c.Node("team-a"); err != nil {
		t.Errorf("another namespace failed: %v", err)
	}
}

func TestNodeRefusesInvalidNamespaces(t *testing.T) {
	c := compileExamples(t)
	for _, ns := range []string{"../etc", "UPPER", "a/b", strings.Repeat("n", 64)} {
		if _, err := c.Node(ns); err == nil {
			t.Errorf("namespace %q accepted", ns)
		}
	}
}

func TestLoadSourceErrors(t *testing.T) {
	for _, tc := range []struct {
		desc string
		src  cluster.Source
		want error
	}{
		{"nothing", cluster.Source{}, cluster.ErrNoSource},
		{"two sources", cluster.Source{Objects: []string{examples}, Root: "/"}, cluster.ErrManySources},
		{"registries.d without a policy file", cluster.Source{Root: "/", RegistriesD: "/etc/containers/registries.d"}, cluster.ErrRegistriesDWithoutPolicyFile},
	} {
		if _, err := cluster.Load(tc.src); !errors.Is(err, tc.want) {
			t.Errorf("%s: error %v, want %v", tc.desc, err, tc.want)
		}
	}
}

func TestInvalidObjectsAreAnInvalidError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	doc := "apiVersion: config.openshift.io/v1\nkind: ClusterImagePolicy\nmetadata: {name: x}\nspec: {scopes: [\"nodot\"], policy: {rootOfTrust: {policyType: PublicKey}}}\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := cluster.Load(cluster.Source{Objects: []string{path}})
	var invalid *cluster.InvalidError
	var field *policy.FieldError
	if !errors.As(err, &invalid) || !errors.As(err, &field) || len(invalid.Errs) == 0 {
		t.Fatalf("error %v, want an *InvalidError reaching each field error", err)
	}
}

func TestRegistriesConfOverride(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(conf, []byte("[[registry]]\nlocation = \"example.com\"\nblocked = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Load(cluster.Source{Objects: []string{examples}, RegistriesConf: conf})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range append([]string{""}, c.Namespaces()...) {
		cfg, err := c.Node(ns)
		if err != nil {
			t.Fatal(err)
		}
		if r := cfg.RegistriesConf.FindRegistry("example.com/x"); r == nil || !r.Blocked {
			t.Errorf("namespace %q does not follow the given registries.conf", ns)
		}
	}
	if _, err := cluster.Load(cluster.Source{Objects: []string{examples}, RegistriesConf: conf + ".missing"}); err == nil {
		t.Error("a missing registries.conf was accepted")
	}
}

func TestPolicyFileAppliesToEveryNamespace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(path, []byte(`{"default":[{"type":"reject"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Load(cluster.Source{PolicyFile: path})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := c.Node("team-a")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.PolicyName != path || len(cfg.Policy.Default) != 1 || cfg.Policy.Default[0].Type != node.Reject {
		t.Fatalf("config %+v", cfg)
	}
}

func fromRootConf(t *testing.T, c *cluster.Compiled) *node.RegistriesConf {
	t.Helper()
	root := t.TempDir()
	if err := c.Rendered.WriteDir(root); err != nil {
		t.Fatal(err)
	}
	conf, err := node.LoadRegistriesConf(filepath.Join(root, policy.RegistriesConfPath))
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

// TestCompiledRegistriesConf: the rendered registries.conf (with the
// search-registries drop-in) is what every namespace's engine follows, as
// the containers library would read the same files from a node root.
func TestCompiledRegistriesConf(t *testing.T) {
	c := compileExamples(t)
	cfg, err := c.Node("team-a")
	if err != nil {
		t.Fatal(err)
	}
	fromRoot := fromRootConf(t, c)
	if cfg.RegistriesConf == nil || cfg.RegistriesConf != c.RegistriesConf() || !cfg.RegistriesConf.SamePullSources(fromRoot) ||
		!reflect.DeepEqual(fromRoot.UnqualifiedSearchRegistries(), cfg.RegistriesConf.UnqualifiedSearchRegistries()) {
		t.Fatal("the namespace does not share the cluster's registries.conf, as written by render")
	}
	reg := cfg.RegistriesConf.FindRegistry("example.com/ns/app")
	if reg == nil || len(reg.Mirrors) != 2 || reg.Mirrors[0].Location != "mirror.example.net:8443/example-com" {
		t.Fatalf("example.com's digest mirrors are not followed: %+v", reg)
	}
	if got := cfg.RegistriesConf.UnqualifiedSearchRegistries(); !reflect.DeepEqual(got, []string{"registry.example.com"}) {
		t.Errorf("search registries %q, want the Image config's", got)
	}
}

// TestCompileTakesTheClusterVersionsReleaseImage: with the ClusterVersion
// among the objects, the MCO's rule that never blocks the payload's
// registry applies without naming the release image.
func TestCompileTakesTheClusterVersionsReleaseImage(t *testing.T) {
	dir := t.TempDir()
	docs := "apiVersion: config.openshift.io/v1\nkind: ClusterVersion\nmetadata: {name: version}\nstatus: {desired: {image: \"quay.io/openshift-release-dev/ocp-release:4.18.1-x86_64\"}}\n" +
		"---\napiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    blockedRegistries: [quay.io]\n"
	if err := os.WriteFile(filepath.Join(dir, "cluster.yaml"), []byte(docs), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := cluster.Load(cluster.Source{Objects: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(c.Rendered.Warnings, func(w string) bool {
		return strings.Contains(w, "cannot block the repository being used by the payload")
	}) {
		t.Errorf("warnings %q: quay.io serves the payload and must not be blocked", c.Rendered.Warnings)
	}
	if c.RegistriesConf().FindRegistry("quay.io/openshift-release-dev/ocp-release") != nil {
		t.Error("the payload's registry is blocked in registries.conf")
	}
}
