//go:build integration

package audit_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fixtures"
)

// TestAuditOnRealRegistry audits the audit set, a cosign v3 bundle and a
// signed manifest list on a real registry server (CNCF distribution, which
// has no referrers API: the bundle is found under the fallback tag).
func TestAuditOnRealRegistry(t *testing.T) {
	reg := os.Getenv("SIGPOLICY_TEST_REGISTRY")
	if reg == "" {
		t.Skip("SIGPOLICY_TEST_REGISTRY is not set; run scripts/test-integration.sh")
	}
	cat, err := fixtures.Push(t.Context(), reg, fixtures.Options{Scenarios: []string{"bundle-referrer", "list-index-only", fixtures.AuditSetName}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := cat.Write(dir); err != nil {
		t.Fatal(err)
	}
	set := cat.Audit
	want := map[string]audit.Cause{}
	var images []string
	for _, img := range set.Images {
		want[img.Reference] = audit.Cause(img.Cause)
		images = append(images, img.Reference)
	}
	var got collect
	src := cluster.Source{Objects: []string{filepath.Join(dir, set.Policy)}, RegistriesConf: filepath.Join(dir, fixtures.AuditRegistriesConfFile)}
	if _, err := audit.Run(t.Context(), engine(t, src), refsOf(append(images, set.Release)), audit.Options{}, &got); err != nil {
		t.Fatal(err)
	}
	for img, c := range want {
		if r := got.results[img]; r.Cause != c {
			t.Errorf("%s: %s (%s), want %q", img, r.Cause, r.Reason, c)
		}
	}
	for scenario, c := range map[string]audit.Cause{"bundle-referrer": audit.CauseSignatureInBundle, "list-index-only": audit.CauseIndexSignedOnly} {
		var got collect
		e := engine(t, cluster.Source{Objects: []string{filepath.Join(dir, "policies", scenario+"-matchrepository.yaml")}})
		img := reg + "/scenarios/" + scenario + ":v1"
		if _, err := audit.Run(t.Context(), e, refsOf([]string{img}), audit.Options{}, &got); err != nil {
			t.Fatal(err)
		}
		if r := got.results[img]; r.Cause != c {
			t.Errorf("%s: %s (%s %v), want %s", img, r.Cause, r.Reason, r.Notes, c)
		}
	}
}
