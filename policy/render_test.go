package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/signature"
)

func imageConfig(body string) string {
	return "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata:\n  name: cluster\nspec:\n  registrySources:\n" + body
}

func mustRender(t *testing.T, input string, opts RenderOptions) *Rendered {
	t.Helper()
	r, err := Render(loadValid(t, input), opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRenderRefuses(t *testing.T) {
	tests := []struct {
		desc    string
		input   string
		opts    RenderOptions
		wantErr string
	}{
		{"invalid object", cip("a", "busybox"), RenderOptions{}, "invalid objects"},
		// The API server refuses both lists since the Image CRD's CEL rule;
		// the MCO's own check is exercised by the MCO's vectors.
		{"allowed and blocked", docs(cip("a", "example.com"), imageConfig("    allowedRegistries: [example.com]\n    blockedRegistries: [bad.io]\n")), RenderOptions{},
			"invalid objects: 1 validation error(s), first: in.yaml, document 2: Image cluster: spec.registrySources: Only one of blockedRegistries or allowedRegistries may be set"},
		{"cluster scope outside allowed", docs(cip("a", "quay.io/x"), imageConfig("    allowedRegistries: [example.com]\n")), RenderOptions{},
			"clusterimagePolicy configured for the scope quay.io/x is not nested inside allowedRegistries"},
		{"cluster scope inside blocked", docs(cip("a", "bad.io/x"), imageConfig("    blockedRegistries: [bad.io]\n")), RenderOptions{},
			"clusterimagePolicy configured for the scope bad.io/x is nested inside blockedRegistries"},
		{"namespace scope outside allowed", docs(cip("a", "example.com"), ip("ns", "b", "quay.io/x"), imageConfig("    allowedRegistries: [example.com]\n")), RenderOptions{},
			"imagePolicy configured for the scope quay.io/x is not nested inside allowedRegistries"},
		{"invalid blocked entry", docs(cip("a", "example.com"), imageConfig("    blockedRegistries: [\"*.bad.io/x\"]\n")), RenderOptions{},
			"spec.registrySources.blockedRegistries[0]: each registry must be a valid hostname[:port][/path] or wildcard *.hostname format without tags or digests (value \"*.bad.io/x\")"},
		{"bad release image", docs(cip("a", "example.com"), imageConfig("    blockedRegistries: [bad.io]\n")), RenderOptions{ReleaseImage: "UPPER/x"},
			"error parsing reference of release image"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			set, err := LoadReader("in.yaml", strings.NewReader(tc.input), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Render(set, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v (rendered %v), want %q", err, r != nil, tc.wantErr)
			}
		})
	}
}

func TestRenderInvalidIsErrInvalid(t *testing.T) {
	set, err := LoadReader("in.yaml", strings.NewReader(cip("a", "busybox")), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(set, RenderOptions{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}

func TestConflictCondition(t *testing.T) {
	r := mustRender(t, docs(cip("g", "example.com/global"), ip("ns", "p", "example.com/global/image", "quay.io/ok", "example.com/global")), RenderOptions{})
	if len(r.Statuses) != 1 || len(r.Statuses[0].Conditions) != 1 {
		t.Fatalf("statuses = %+v", r.Statuses)
	}
	c := r.Statuses[0].Conditions[0]
	want := `has conflicting scope(s) ["example.com/global/image" "example.com/global"] that equal to or nest inside existing clusterimagepolicy, only policy from clusterimagepolicy scope(s) will be applied`
	if c.Type != "Pending" || c.Status != "False" || c.Reason != "ConflictScopes" || c.Message != want {
		t.Errorf("condition = %s/%s/%s %q, want Pending/False/ConflictScopes %q", c.Type, c.Status, c.Reason, c.Message, want)
	}
	if got := r.Statuses[0].Applied; len(got) != 1 || got[0] != "quay.io/ok" {
		t.Errorf("applied = %v, want [quay.io/ok]", got)
	}
	p, err := signature.NewPolicyFromBytes(r.NamespacePolicies["ns"])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Transports["docker"]["example.com/global/image"]; ok {
		t.Error("conflicting scope rendered into the namespace policy")
	}
	if len(p.Transports["docker"]["example.com/global"]) != 1 {
		t.Error("cluster scope lost or duplicated in the namespace policy")
	}
}

func TestNoConditionWithoutConflict(t *testing.T) {
	r := mustRender(t, docs(cip("g", "example.com"), ip("ns", "p", "quay.io/ok")), RenderOptions{})
	if len(r.Statuses[0].Conditions) != 0 || len(r.Findings) != 0 {
		t.Errorf("status = %+v, findings = %v; want none", r.Statuses[0], r.Findings)
	}
}

func TestTagDigestFinding(t *testing.T) {
	r := mustRender(t, docs(cip("g", "example.com/ns/repo"), ip("team", "p", "example.com/ns/repo:v1")), RenderOptions{})
	if len(r.Findings) != 1 {
		t.Fatalf("findings = %v, want one", r.Findings)
	}
	f := r.Findings[0]
	if f.Type != FindingTagDigestOverride || f.Scope != "example.com/ns/repo:v1" || f.ClusterScope != "example.com/ns/repo" || f.Namespace != "team" {
		t.Errorf("finding = %+v", f)
	}
	// Fidelity: the scope survives and overrides the cluster policy in that namespace.
	if len(r.Statuses[0].Conditions) != 0 {
		t.Error("the MCO sets no condition for the hole")
	}
	if _, ok := r.NamespacePolicies["team"]; !ok {
		t.Error("tag scope not rendered into the namespace file")
	}
}

func TestReconcileWithoutRendering(t *testing.T) {
	// The allowed registries would make Render refuse; Reconcile still reports.
	set := loadValid(t, docs(cip("g", "example.com/ns/repo"), ip("team", "p", "example.com/ns/repo:v1", "example.com/ns/repo/sub"),
		imageConfig("    allowedRegistries: [quay.io]\n")))
	if _, err := Render(set, RenderOptions{}); err == nil {
		t.Fatal("Render accepted scopes outside the allowed registries")
	}
	statuses, findings, err := Reconcile(set, goldenTime)
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || len(statuses) != 1 || len(statuses[0].Conflicting) != 1 || statuses[0].Conflicting[0] != "example.com/ns/repo/sub" {
		t.Fatalf("statuses = %+v, findings = %+v", statuses, findings)
	}
}

func TestReleaseImageBlockedRegistryDropped(t *testing.T) {
	r := mustRender(t, docs(cip("g", "example.com"), imageConfig("    blockedRegistries: [quay.io, bad.io]\n")),
		RenderOptions{ReleaseImage: "quay.io/openshift-release-dev/ocp-release@sha256:b7e686e30346e9ace664fa09c0275262f8b9a443ed56d22165a0e201f6488c13"})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], `"quay.io"`) {
		t.Fatalf("warnings = %v", r.Warnings)
	}
	p, err := signature.NewPolicyFromBytes(r.PolicyJSON)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Transports["docker"]["quay.io"]; ok {
		t.Error("payload registry blocked")
	}
	if _, ok := p.Transports["docker"]["bad.io"]; !ok {
		t.Error("other blocked registry dropped")
	}
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, NamespacePolicyDir, "gone.json")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustRender(t, docs(cip("g", "example.com"), ip("team-a", "p", "quay.io/a")), RenderOptions{})
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string][]byte{
		PolicyJSONPath: r.PolicyJSON, RegistriesDPath: r.RegistriesD,
		filepath.Join(NamespacePolicyDir, "team-a.json"): r.NamespacePolicies["team-a"],
	} {
		got, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: got %q, %v", rel, got, err)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale namespace file kept: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "etc/containers"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
