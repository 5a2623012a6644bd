package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/signature"
	"sigs.k8s.io/yaml"
)

// TestRenderedMirrorsAsTheLibraryPulls renders mirror sets the way a user
// writes them and asks the containers library, through the rendered
// registries.conf, where each image is pulled from. The expectations are
// the objects' documented meaning, written out by hand.
func TestRenderedMirrorsAsTheLibraryPulls(t *testing.T) {
	r := mustRender(t, docs(
		idms("release",
			"quay.io/openshift-release-dev/ocp-release!=mirror.example.net/ocp/release,backup.example.net/ocp/release",
			"quay.io/openshift-release-dev/ocp-v4.0-art-dev!=mirror.example.net/ocp/art"),
		idms("more", "quay.io/openshift-release-dev/ocp-release!=backup.example.net/ocp/release,last.example.net/ocp/release"),
		itms("tags", "registry.example.org/team=tags.example.net/team"),
		icsp("legacy", "registry.example.org=icsp.example.net/org"),
		idms("wild", "*.apps.example.com=mirror.example.net/apps"),
		cip("release", "quay.io/openshift-release-dev/ocp-release"),
		imageConfig("    insecureRegistries: [mirror.example.net/ocp]\n    blockedRegistries: [registry.example.org/team/old]\n"),
	), RenderOptions{})
	ctx := libraryContext(t, r.RegistriesConf)
	d := "@" + testDigest
	for _, tc := range []struct {
		ref     string
		want    []string
		blocked bool
	}{
		// Merged IDMS order (release before more, backup shared), source never contacted.
		{"quay.io/openshift-release-dev/ocp-release" + d, []string{
			"mirror.example.net/ocp/release" + d, "backup.example.net/ocp/release" + d, "last.example.net/ocp/release" + d,
			"quay.io/openshift-release-dev/ocp-release" + d}, true},
		// Digest mirrors are not used for tags.
		{"quay.io/openshift-release-dev/ocp-release:4.18", []string{"quay.io/openshift-release-dev/ocp-release:4.18"}, true},
		{"quay.io/openshift-release-dev/ocp-v4.0-art-dev/x" + d, []string{"mirror.example.net/ocp/art/x" + d, "quay.io/openshift-release-dev/ocp-v4.0-art-dev/x" + d}, true},
		// An unmirrored repository of the same registry.
		{"quay.io/other/app" + d, []string{"quay.io/other/app" + d}, false},
		// Tag mirrors for tags only; the ICSP of the parent for digests.
		{"registry.example.org/team/app:v1", []string{"tags.example.net/team/app:v1", "registry.example.org/team/app:v1"}, false},
		{"registry.example.org/team/app" + d, []string{"registry.example.org/team/app" + d}, false},
		{"registry.example.org/other" + d, []string{"icsp.example.net/org/other" + d, "registry.example.org/other" + d}, false},
		// A blocked scope nested in mirrored ones gets the mirrors, adjusted,
		// of the first mirrored source processed (digest sources come
		// first), not of its closest one: the ICSP's digest mirror, no tag
		// mirror.
		{"registry.example.org/team/old/app:v1", []string{"registry.example.org/team/old/app:v1"}, true},
		{"registry.example.org/team/old/app" + d, []string{"icsp.example.net/org/team/old/app" + d, "registry.example.org/team/old/app" + d}, true},
		// A wildcard source: the whole host is replaced.
		{"foo.apps.example.com/ns/app" + d, []string{"mirror.example.net/apps/ns/app" + d, "foo.apps.example.com/ns/app" + d}, false},
	} {
		got, blocked, _ := libraryPullSources(t, ctx, tc.ref)
		if !slices.Equal(got, tc.want) || blocked != tc.blocked {
			t.Errorf("%s: pulled from %q (blocked %v), want %q (blocked %v)", tc.ref, got, blocked, tc.want, tc.blocked)
		}
	}
	assertLibraryResolves(t, r.RegistriesConf)

	// The insecure scope covers the mirrors under it.
	if !strings.Contains(string(r.RegistriesConf), "location = \"mirror.example.net/ocp/release\"\n    insecure = true\n    pull-from-mirror = \"digest-only\"") {
		t.Errorf("insecure mirror not marked:\n%s", r.RegistriesConf)
	}
	// registries.d: the policy scope and every place it is pulled from.
	var rd registriesDConfig
	if err := yaml.UnmarshalStrict(r.RegistriesD, &rd); err != nil {
		t.Fatal(err)
	}
	want := []string{"backup.example.net/ocp/release", "last.example.net/ocp/release", "mirror.example.net/ocp/release", "quay.io/openshift-release-dev/ocp-release"}
	if got := sortedKeys(rd.Docker); !slices.Equal(got, want) {
		t.Errorf("registries.d scopes %q, want %q", got, want)
	}
}

func TestRenderRegistriesConfWhenTheMCODoes(t *testing.T) {
	tests := []struct {
		desc    string
		input   string
		rewrite bool
	}{
		{"policies only", cip("a", "example.com"), false},
		{"allowed registries only", docs(cip("a", "example.com"), imageConfig("    allowedRegistries: [example.com]\n")), false},
		{"an empty insecure list", docs(cip("a", "example.com"), imageConfig("    insecureRegistries: []\n")), true},
		{"a mirror set without rules", docs(cip("a", "example.com"), "apiVersion: config.openshift.io/v1\nkind: ImageTagMirrorSet\nmetadata: {name: t}\nspec: {}\n"), true},
		{"a mirror rule that only repeats its source", docs(cip("a", "example.com"), idms("d", "example.com=example.com")), true},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			r := mustRender(t, tc.input, RenderOptions{})
			if rewritten := string(r.RegistriesConf) != RegistriesConfTemplate; rewritten != tc.rewrite {
				t.Fatalf("rewritten = %v, want %v:\n%s", rewritten, tc.rewrite, r.RegistriesConf)
			}
			if tc.rewrite && !strings.HasPrefix(string(r.RegistriesConf), "unqualified-search-registries = [\"registry.access.redhat.com\", \"docker.io\"]\n") {
				t.Errorf("the rewrite does not start from the template:\n%s", r.RegistriesConf)
			}
			libraryContext(t, r.RegistriesConf)
		})
	}
}

func TestRenderSearchRegistries(t *testing.T) {
	r := mustRender(t, docs(cip("a", "example.com"), imageConfig("    containerRuntimeSearchRegistries: [registry.example.net, quay.io:443]\n")), RenderOptions{})
	want := "unqualified-search-registries = [\"registry.example.net\", \"quay.io:443\"]\nshort-name-mode = \"\"\nadditional-layer-store-auth-helper = \"\"\n"
	if string(r.SearchRegistries) != want {
		t.Fatalf("drop-in = %q, want %q", r.SearchRegistries, want)
	}
	if string(r.RegistriesConf) != RegistriesConfTemplate {
		t.Errorf("search registries alone rewrote registries.conf:\n%s", r.RegistriesConf)
	}
	// The library merges the drop-in over the main file.
	dir := t.TempDir()
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	ctx := libraryContext(t, r.RegistriesConf)
	ctx.SystemRegistriesConfDirPath = filepath.Join(dir, filepath.Dir(SearchRegistriesPath))
	if got, err := sysregistriesv2.UnqualifiedSearchRegistries(ctx); err != nil || !slices.Equal(got, []string{"registry.example.net", "quay.io:443"}) {
		t.Errorf("the library searches %q (%v)", got, err)
	}
	if none := mustRender(t, cip("a", "example.com"), RenderOptions{}); none.SearchRegistries != nil {
		t.Errorf("drop-in written without search registries: %q", none.SearchRegistries)
	}
}

func TestRenderRefusesMirrorRules(t *testing.T) {
	tests := []struct {
		desc, input, wantErr string
	}{
		{"ICSP source the MCO rejects", docs(cip("a", "example.com"), icsp("x", "quay.io/ns:tag=mirror.example.net/ns")),
			`invalid format for source "quay.io/ns:tag"`},
		{"ICSP mirror the MCO rejects", docs(cip("a", "example.com"), icsp("x", "quay.io/ns=https://mirror.example.net/ns")),
			`invalid format for mirror "https://mirror.example.net/ns"`},
		{"never contact a source that is its own mirror", docs(cip("a", "example.com"), idms("x", "quay.io/ns!=mirror.example.net/ns,quay.io/ns")),
			`cannot set mirrorSourcePolicy: NeverContactSource if the source "quay.io/ns" is one of the mirrors`},
		{"conflicting source policies", docs(cip("a", "example.com"), idms("x", "quay.io/ns!=mirror.example.net/ns"), itms("tags", "quay.io/ns=tags.example.net/ns")),
			`conflicting mirrorSourcePolicy is set for the same source "quay.io/ns" in imagedigestmirrorsets, imagetagmirrorsets, or imagecontentsourcepolicies`},
		{"wildcard source over a nested entry", docs(cip("a", "example.com"), idms("x", "*.example.org=mirror.example.net/org"), imageConfig("    blockedRegistries: [bad.example.org]\n")),
			`internal error: mirrorsAdjustedForNestedScope for a wildcard scope "*.example.org"`},
		{"policy scope under a blocked registry", docs(cip("a", "bad.io/x"), imageConfig("    blockedRegistries: [bad.io]\n")),
			"clusterimagePolicy configured for the scope bad.io/x is nested inside blockedRegistries"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			set := loadValid(t, tc.input)
			if _, err := Render(set, RenderOptions{}); err == nil || err.Error() != tc.wantErr {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestReleasePayloadMirrored(t *testing.T) {
	const (
		release = "quay.io/openshift-release-dev/ocp-release@sha256:b7e686e30346e9ace664fa09c0275262f8b9a443ed56d22165a0e201f6488c13"
		payload = "quay.io/openshift-release-dev/ocp-release"
	)
	mirror := idms("release", "quay.io/openshift-release-dev=mirror.example.net/ocp")

	// The payload's registry is blocked but its digest mirror is not:
	// registries.conf blocks quay.io, policy.json rejects it and allows
	// the payload repository.
	r := mustRender(t, docs(mirror, imageConfig("    blockedRegistries: [quay.io]\n")), RenderOptions{ReleaseImage: release})
	if len(r.Warnings) != 0 {
		t.Errorf("warnings = %q", r.Warnings)
	}
	ctx := libraryContext(t, r.RegistriesConf)
	if got, blocked, _ := libraryPullSources(t, ctx, payload+"@"+testDigest); !blocked || !slices.Equal(got, []string{"mirror.example.net/ocp/ocp-release@" + testDigest, payload + "@" + testDigest}) {
		t.Errorf("payload pull sources %q, blocked %v", got, blocked)
	}
	p, err := signature.NewPolicyFromBytes(r.PolicyJSON)
	if err != nil {
		t.Fatal(err)
	}
	if docker := p.Transports["docker"]; len(docker) != 2 || len(docker["quay.io"]) != 1 || len(docker[payload]) != 1 {
		t.Errorf("docker scopes = %v", docker)
	}
	if !strings.Contains(string(r.PolicyJSON), `"quay.io": [
        {
          "type": "reject"`) || !strings.Contains(string(r.PolicyJSON), `"`+payload+`": [
        {
          "type": "insecureAcceptAnything"`) {
		t.Errorf("policy.json:\n%s", r.PolicyJSON)
	}

	// A policy scope under the blocked registry is refused, even the
	// payload's own (the MCO allows the payload only through allowed
	// registries, and blocks the registry in policy.json).
	set := loadValid(t, docs(mirror, cip("g", payload), imageConfig("    blockedRegistries: [quay.io]\n")))
	if _, err := Render(set, RenderOptions{ReleaseImage: release}); err == nil ||
		err.Error() != "clusterimagePolicy configured for the scope "+payload+" is nested inside blockedRegistries" {
		t.Errorf("err = %v", err)
	}
	// Blocking exactly the payload repository leaves policy.json's
	// blocked list empty: the policy on it stands alone.
	r = mustRender(t, docs(mirror, cip("g", payload), imageConfig("    blockedRegistries: ["+payload+"]\n")), RenderOptions{ReleaseImage: release})
	if p, err = signature.NewPolicyFromBytes(r.PolicyJSON); err != nil {
		t.Fatal(err)
	}
	if reqs := p.Transports["docker"][payload]; len(reqs) != 1 || !strings.Contains(string(r.PolicyJSON), `"type": "sigstoreSigned"`) || len(p.Transports["docker"]) != 1 {
		t.Errorf("policy.json:\n%s", r.PolicyJSON)
	}

	// Without the mirror the blocked registry is dropped with the MCO's message.
	r = mustRender(t, docs(cip("g", payload), imageConfig("    blockedRegistries: [quay.io, bad.io]\n")), RenderOptions{ReleaseImage: release})
	if len(r.Warnings) != 1 || r.Warnings[0] != `error adding ["quay.io"] to blocked registries, cannot block the repository being used by the payload, skipping....` {
		t.Errorf("warnings = %q", r.Warnings)
	}
	if strings.Contains(string(r.RegistriesConf), `"quay.io"`) || !strings.Contains(string(r.RegistriesConf), `"bad.io"`) {
		t.Errorf("registries.conf:\n%s", r.RegistriesConf)
	}
}

func TestWriteDirSearchRegistries(t *testing.T) {
	dir := t.TempDir()
	with := mustRender(t, docs(cip("a", "example.com"), imageConfig("    containerRuntimeSearchRegistries: [registry.example.net]\n")), RenderOptions{})
	if err := with.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string][]byte{RegistriesConfPath: with.RegistriesConf, SearchRegistriesPath: with.SearchRegistries} {
		if got, err := os.ReadFile(filepath.Join(dir, rel)); err != nil || string(got) != string(want) {
			t.Errorf("%s: %q, %v", rel, got, err)
		}
	}
	without := mustRender(t, cip("a", "example.com"), RenderOptions{})
	if err := without.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, SearchRegistriesPath)); !os.IsNotExist(err) {
		t.Errorf("stale search registries drop-in kept: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, RegistriesConfPath)); err != nil || string(got) != RegistriesConfTemplate {
		t.Errorf("registries.conf = %q, %v", got, err)
	}
}

// TestReleasePayloadMirrorCheckFails reproduces the MCO going on without
// any blocked or allowed registry when its payload mirror check fails (here
// runtime-utils refuses a wildcard source over a nested blocked entry): the
// error is logged, registries.conf and policy.json block nothing.
func TestReleasePayloadMirrorCheckFails(t *testing.T) {
	r := mustRender(t, docs(idms("w", "*.example.org=mirror.example.net/org"),
		imageConfig("    blockedRegistries: [quay.io, bad.example.org]\n")),
		RenderOptions{ReleaseImage: "quay.io/openshift-release-dev/ocp-release@sha256:b7e686e30346e9ace664fa09c0275262f8b9a443ed56d22165a0e201f6488c13"})
	if len(r.Warnings) != 1 || r.Warnings[0] != `internal error: mirrorsAdjustedForNestedScope for a wildcard scope "*.example.org": all blockedRegistries and allowedRegistries ignored, as the MCO does` {
		t.Errorf("warnings = %q", r.Warnings)
	}
	if strings.Contains(string(r.RegistriesConf), "blocked") || string(r.PolicyJSON) != TemplatePolicyJSON {
		t.Errorf("registries.conf:\n%s\npolicy.json:\n%s", r.RegistriesConf, r.PolicyJSON)
	}
}
