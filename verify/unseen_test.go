package verify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/fixturetest"
	"github.com/sigpolicy/sigpolicy/verify"
)

// TestTraceNamesSignaturesCRIOCannotSee: a denial for a missing .sig says
// where a signature exists that CRI-O does not read, without changing the
// verdict or the library's reason.
func TestTraceNamesSignaturesCRIOCannotSee(t *testing.T) {
	cat, dir := fixturetest.Serve(t, fixtures.Options{Scenarios: []string{
		"bundle-referrer", "bundle-fallback-tag", "list-index-only", "key-no-sig-tag", "key-tagged", fixtures.AuditSetName}})
	policy := func(scenario string) string {
		return filepath.Join(dir, "policies", scenario+"-matchrepository.yaml")
	}
	reg := cat.Registry + "/scenarios/"
	for _, tc := range []struct {
		desc, image, policy string
		conf                string
		want                string // substring of the one note; "" for none
		check               func(*fetch.Unseen) bool
	}{
		{"bundle through the referrers API", reg + "bundle-referrer:v1", policy("bundle-referrer"), "",
			"a cosign bundle signature exists, but CRI-O reads only .sig attachments",
			func(u *fetch.Unseen) bool {
				return len(u.Referrers) == 1 && u.Referrers[0].Via == fetch.ViaReferrersAPI
			}},
		{"bundle under the fallback tag", reg + "bundle-fallback-tag:v1", policy("bundle-fallback-tag"), "",
			"a cosign bundle signature exists, but CRI-O reads only .sig attachments",
			func(u *fetch.Unseen) bool { return len(u.Referrers) == 1 && u.Referrers[0].Via == fetch.ViaFallbackTag }},
		{"only the index signed", reg + "list-index-only:v1", policy("list-index-only"), "",
			"the manifest list is signed", func(u *fetch.Unseen) bool { return u.IndexSignature != "" }},
		{"signature not mirrored", cat.Audit.Origin + "/signature-not-mirrored:v1", filepath.Join(dir, cat.Audit.Policy), cat.Audit.RegistriesConf,
			"the origin has a signature", func(u *fetch.Unseen) bool {
				return strings.HasPrefix(u.OriginSignature, cat.Audit.Origin+"/signature-not-mirrored:sha256-")
			}},
		{"no signature anywhere", reg + "key-no-sig-tag:v1", policy("key-no-sig-tag"), "", "", func(u *fetch.Unseen) bool { return !u.Found() }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			src := cluster.Source{Objects: []string{tc.policy}}
			if tc.conf != "" {
				src.RegistriesConf = filepath.Join(t.TempDir(), "registries.conf")
				if err := os.WriteFile(src.RegistriesConf, []byte(tc.conf), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			engine := sourceEngine(t, src)
			d, err := engine.Verify(t.Context(), tc.image)
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed || d.Reason != "A signature was required, but no signature exists" {
				t.Fatalf("%s: %s", d.Outcome, d.Reason)
			}
			if tc.conf != "" && d.Attachments.Repository != cat.Audit.Mirror+"/signature-not-mirrored" {
				t.Errorf("served by %s, want the mirror", d.Attachments.Repository)
			}
			u := d.Attachments.Unseen
			if u == nil || len(u.Errors) > 0 || !tc.check(u) {
				t.Fatalf("unseen %+v", u)
			}
			if tc.want == "" {
				if len(d.Notes) != 0 {
					t.Errorf("notes %q, want none", d.Notes)
				}
				return
			}
			if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], tc.want) {
				t.Errorf("notes %q, want one containing %q", d.Notes, tc.want)
			}
		})
	}
	t.Run("an allowed image is not looked at", func(t *testing.T) {
		engine := sourceEngine(t, cluster.Source{Objects: []string{policy("key-tagged")}})
		d, err := engine.Verify(t.Context(), reg+"key-tagged:v1")
		if err != nil || !d.Allowed || d.Attachments.Unseen != nil {
			t.Fatalf("%v %+v", err, d)
		}
	})
}

func TestRegistryErrorKind(t *testing.T) {
	cat, dir := fixturetest.Serve(t, fixtures.Options{Scenarios: []string{fixtures.AuditSetName}})
	engine := sourceEngine(t, cluster.Source{Objects: []string{filepath.Join(dir, cat.Audit.Policy)}})
	d, err := engine.Verify(t.Context(), cat.Audit.Origin+"/missing:v1")
	if err != nil {
		t.Fatal(err)
	}
	last := d.Requirements[len(d.Requirements)-1]
	if d.Outcome != verify.OutcomeUndecided || last.Code != verify.ReasonRegistryUnavailable || last.RegistryError != "not-found" {
		t.Errorf("%s %s %q: %s", d.Outcome, last.Code, last.RegistryError, d.Reason)
	}
}

// sourceEngine compiles src and builds the cluster-wide engine.
func sourceEngine(t *testing.T, src cluster.Source) *verify.Engine {
	t.Helper()
	compiled, err := cluster.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := compiled.Node("")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := verify.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return engine
}
