package verify_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/fixturetest"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

// TestShortNamesAsCRIOPullsThem: a short name is tried under each
// unqualified-search registry in order, and the first candidate the policy
// allows and the registry serves is the one pulled; denials and missing
// images move on, the last failure is the outcome.
func TestShortNamesAsCRIOPullsThem(t *testing.T) {
	cat, dir := fixturetest.Serve(t, fixtures.Options{Scenarios: []string{"key-tagged"}})
	empty := httptest.NewServer(registry.New())
	t.Cleanup(empty.Close)
	emptyHost := strings.TrimPrefix(empty.URL, "http://")
	fixture := cat.Registry

	// The key-tagged policy requires the fixture key on the fixture repository.
	compiled, err := cluster.Load(cluster.Source{Objects: []string{filepath.Join(dir, "policies/key-tagged-matchrepository.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	// engine decides under that policy, with conf as registries.conf and,
	// when rejected is set, a reject scope for that registry.
	engine := func(t *testing.T, conf, rejected string) *verify.Engine {
		t.Helper()
		rc, err := node.ParseRegistriesConf(node.ConfFile{Name: "registries.conf", Data: []byte(conf)})
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := compiled.WithRegistriesConf(rc).Node("")
		if err != nil {
			t.Fatal(err)
		}
		if rejected != "" {
			if cfg.Policy, err = node.ParsePolicy(compiled.Rendered.PolicyJSON); err != nil {
				t.Fatal(err)
			}
			cfg.Policy.Transports["docker"][rejected] = node.Requirements{{Type: node.Reject}}
		}
		e, err := verify.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	search := func(hosts ...string) string {
		return fmt.Sprintf("unqualified-search-registries = [\"%s\"]\n", strings.Join(hosts, `", "`))
	}
	other := httptest.NewServer(registry.New())
	t.Cleanup(other.Close)
	otherHost := strings.TrimPrefix(other.URL, "http://")
	const short = "scenarios/key-tagged:v1"

	t.Run("missing on the first registry: pulled from the second", func(t *testing.T) {
		d, err := engine(t, search(emptyHost, fixture), "").Verify(t.Context(), short)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed || d.Reference != fixture+"/"+short || len(d.Candidates) != 2 ||
			d.Candidates[0].Reference != emptyHost+"/"+short || d.Candidates[0].Outcome != verify.OutcomeUndecided || d.Candidates[0].RegistryError != "not-found" {
			t.Fatalf("%s %s (%s), candidates %+v", d.Outcome, d.Reference, d.Reason, d.Candidates)
		}
	})
	t.Run("denied on the first registry: CRI-O still pulls from the second", func(t *testing.T) {
		d, err := engine(t, search(emptyHost, fixture), emptyHost).Verify(t.Context(), short)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed || d.Reference != fixture+"/"+short || len(d.Candidates) != 2 || d.Candidates[0].Outcome != verify.OutcomeDenied {
			t.Fatalf("%s %s (%s), candidates %+v", d.Outcome, d.Reference, d.Reason, d.Candidates)
		}
	})
	t.Run("every candidate fails: the last failure", func(t *testing.T) {
		d, err := engine(t, search(emptyHost, otherHost), "").Verify(t.Context(), "app:v1")
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed || d.Outcome != verify.OutcomeUndecided || len(d.Candidates) != 2 || d.Reference != otherHost+"/app:v1" {
			t.Fatalf("%s %s (%s), candidates %+v", d.Outcome, d.Reference, d.Reason, d.Candidates)
		}
		if !slices.ContainsFunc(d.Requests, func(r fetch.Request) bool { return strings.Contains(r.URL, otherHost+"/v2/app/manifests/v1") }) {
			t.Errorf("the pull's lookup is not among the decision's requests: %+v", d.Requests)
		}
	})
	t.Run("an unscoped candidate is looked up before it is allowed", func(t *testing.T) {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		tag, err := name.ParseReference(otherHost + "/free/app:v1")
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(tag, img); err != nil {
			t.Fatal(err)
		}
		want, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		d, err := engine(t, search(emptyHost, otherHost), "").Verify(t.Context(), "free/app:v1")
		if err != nil {
			t.Fatal(err)
		}
		if !d.Allowed || d.Reference != otherHost+"/free/app:v1" || d.Digest != want.String() ||
			strings.Contains(d.Reason, "not fetched") || !strings.Contains(d.Reason, "the registry serves the image") ||
			len(d.Candidates) != 2 || d.Candidates[0].RegistryError != "not-found" {
			t.Fatalf("%s %s %s (%s), candidates %+v", d.Outcome, d.Reference, d.Digest, d.Reason, d.Candidates)
		}
	})
	t.Run("an alias is the only candidate", func(t *testing.T) {
		d, err := engine(t, search(emptyHost)+"[aliases]\n\"web\" = \""+fixture+"/scenarios/key-tagged\"\n", "").Verify(t.Context(), "web:v1")
		if err != nil || !d.Allowed || d.Candidates != nil || d.Reference != fixture+"/"+short {
			t.Fatalf("%v: %+v", err, d)
		}
	})
	t.Run("enforcing mode cannot choose", func(t *testing.T) {
		_, err := engine(t, "short-name-mode = \"enforcing\"\n"+search(emptyHost, fixture), "").Verify(t.Context(), short)
		if !errors.Is(err, verify.ErrInvalidReference) || !errors.Is(err, node.ErrAmbiguousShortName) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("no registries.conf: the Docker way, said in a note", func(t *testing.T) {
		cfg, err := compiled.WithRegistriesConf(nil).Node("")
		if err != nil {
			t.Fatal(err)
		}
		e, err := verify.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.Verify(t.Context(), "busybox")
		if err != nil || d.Reference != "docker.io/library/busybox:latest" || len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "the Docker way") {
			t.Fatalf("%v: %+v", err, d)
		}
	})
}
