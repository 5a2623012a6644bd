package verify_test

import (
	"path/filepath"
	"testing"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/fixturetest"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/verify"
)

// TestDifferentialRenderedMirrors: a mirrored cluster given as objects — the
// audit set's ClusterImagePolicy beside an ImageDigestMirrorSet and an
// ImageTagMirrorSet — is compiled as the MCO renders it, and every image of
// the set, by tag and by digest, is decided by sigpolicy and by the
// containers library on the same rendered policy.json, registries.d and
// registries.conf; sigpolicy must agree with both the library and the
// catalogue, and read the signatures from the repository that serves the
// image (the mirror, when it has the image).
func TestDifferentialRenderedMirrors(t *testing.T) {
	cat, dir := fixturetest.Serve(t, fixtures.Options{Scenarios: []string{fixtures.AuditSetName}})
	compiled, err := cluster.Load(cluster.Source{Objects: []string{
		filepath.Join(dir, cat.Audit.Policy), filepath.Join(dir, fixtures.AuditMirrorSetsFile)}})
	if err != nil {
		t.Fatal(err)
	}
	if compiled.RegistriesConf().FindRegistry(cat.Audit.Origin+"/x") == nil {
		t.Fatal("the rendered registries.conf does not mirror the origin")
	}
	cfg, err := compiled.Node("")
	if err != nil {
		t.Fatal(err)
	}
	engine, err := verify.New(cfg, verify.WithFetchOptions(fetch.WithRetries(0)))
	if err != nil {
		t.Fatal(err)
	}
	r := compiled.Rendered
	node := libref.Inputs{PolicyJSON: r.PolicyJSON, RegistriesD: map[string][]byte{"sigstore-registries.yaml": r.RegistriesD}, RegistriesConf: r.RegistriesConf}
	for _, img := range cat.Audit.Images {
		t.Run(img.Reference, func(t *testing.T) {
			d, err := engine.Verify(t.Context(), img.Reference)
			if err != nil {
				t.Fatal(err)
			}
			libAllowed, libErr := libref.AllowedWith(t.Context(), node, img.Reference, "")
			if d.Allowed != libAllowed {
				t.Fatalf("sigpolicy %s (%s); library allowed=%v (%v)", d.Outcome, d.Reason, libAllowed, libErr)
			}
			if string(d.Outcome) != img.Outcome {
				t.Errorf("outcome %s (%s), catalogue says %s", d.Outcome, d.Reason, img.Outcome)
			}
			if img.Source != "" && (d.Attachments == nil || d.Attachments.Repository != img.Source) {
				t.Errorf("signatures read from %+v, want the repository that serves the image, %s", d.Attachments, img.Source)
			}
		})
	}
}
