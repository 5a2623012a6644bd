package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/signature"
)

func TestRenderCommand(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := run(t, "", "render", "-f", examples, "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, w := range []string{
		"wrote " + dir + "/etc/containers/policy.json",
		"wrote " + dir + "/etc/containers/registries.d/sigstore-registries.yaml",
		`ImagePolicy mynamespace/p0: Pending=False reason=ConflictScopes message=has conflicting scope(s) ["example.io/crio/signed"] that equal to or nest inside existing clusterimagepolicy, only policy from clusterimagepolicy scope(s) will be applied`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "etc/containers/policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signature.NewPolicyFromBytes(data); err != nil {
		t.Errorf("written policy.json rejected by the library: %v", err)
	}
}

func TestRenderCommandNamespaceAndStdout(t *testing.T) {
	out, errOut, code := run(t, "", "render", "-f", filepath.Join(examples, "imagepolicy-matchrepository.yaml"), "--stdout")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, w := range []string{"== etc/crio/policies/mynamespace.json\n", "== etc/containers/policy.json\n",
		`"type": "matchRepository"`, "ImagePolicy mynamespace/p0: no condition (all scopes applied)"} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
}

func TestRenderCommandRefuses(t *testing.T) {
	dir := t.TempDir()
	outDir := filepath.Join(dir, "out")
	bad := writeFile(t, dir, "bad.yaml", "apiVersion: config.openshift.io/v1\nkind: ClusterImagePolicy\nmetadata: {name: bad}\nspec:\n  scopes: [busybox]\n")
	img := writeFile(t, dir, "image.yaml", "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    allowedRegistries: [quay.io]\n")
	tests := []struct {
		desc     string
		args     []string
		wantCode int
		want     string
	}{
		{"invalid object", []string{"render", "-f", examples, "-f", bad, "-o", outDir}, exitRejected, "spec.policy: Required value"},
		{"MCO refusal", []string{"render", "-f", examples, "--image-config", img, "-o", outDir}, exitRejected,
			"clusterimagePolicy configured for the scope example.com is not nested inside allowedRegistries"},
		{"image config holding policies", []string{"render", "-f", examples, "--image-config", bad, "-o", outDir}, exitUsage, "want only the cluster image configuration"},
		{"stdout and -o", []string{"render", "-f", examples, "--stdout", "-o", outDir}, exitUsage, "mutually exclusive"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			out, errOut, code := run(t, "", tc.args...)
			if code != tc.wantCode || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("exit %d (want %d), output lacks %q:\n%s\n%s", code, tc.wantCode, tc.want, out, errOut)
			}
			if _, err := os.Stat(outDir); !os.IsNotExist(err) {
				t.Errorf("output directory written despite the failure")
			}
		})
	}
}

func TestRenderCommandMirroredCluster(t *testing.T) {
	dir := t.TempDir()
	image := writeFile(t, dir, "image.yaml", "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    containerRuntimeSearchRegistries: [registry.example.net]\n")
	outDir := filepath.Join(dir, "out")
	out, errOut, code := run(t, "", "render", "-f", examples, "--image-config", image, "--openshift-default-policy", "-o", outDir)
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, w := range []string{"wrote " + outDir + "/etc/containers/registries.conf\n", "wrote " + outDir + "/etc/containers/registries.conf.d/01-image-searchRegistries.conf\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	conf, err := os.ReadFile(filepath.Join(outDir, "etc/containers/registries.conf"))
	if err != nil || !strings.Contains(string(conf), "location = \"mirror.example.net:8443/ocp4/openshift-release-dev/ocp-release\"\n    pull-from-mirror = \"digest-only\"") {
		t.Errorf("registries.conf (%v):\n%s", err, conf)
	}
	rd, err := os.ReadFile(filepath.Join(outDir, "etc/containers/registries.d/sigstore-registries.yaml"))
	if err != nil || !strings.Contains(string(rd), "mirror.example.net:8443/ocp4/openshift-release-dev/ocp-release:\n    use-sigstore-attachments: true") {
		t.Errorf("registries.d (%v):\n%s", err, rd)
	}

	out, _, code = run(t, "", "render", "-f", filepath.Join(examples, "mirrored-cluster-itms.yaml"), "--stdout")
	if code != exitOK || !strings.Contains(out, "== etc/containers/registries.conf\n") || !strings.Contains(out, `pull-from-mirror = "tag-only"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestRenderCommandMCORefusesMirrorRule(t *testing.T) {
	dir := t.TempDir()
	icsp := writeFile(t, dir, "icsp.yaml", "apiVersion: operator.openshift.io/v1alpha1\nkind: ImageContentSourcePolicy\nmetadata: {name: legacy}\nspec:\n  repositoryDigestMirrors:\n  - source: registry.example.org/ns:v1\n    mirrors: [mirror.example.net/org]\n")
	outDir := filepath.Join(dir, "out")
	out, errOut, code := run(t, "", "render", "-f", examples, "-f", icsp, "-o", outDir)
	if code != exitRejected || !strings.Contains(errOut, `nothing rendered: invalid format for source "registry.example.org/ns:v1"`) {
		t.Errorf("exit %d:\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(outDir); !os.IsNotExist(err) {
		t.Errorf("output directory written despite the refusal")
	}
}

func TestRenderCommandSchemaErrorWithoutRulesSkippedNote(t *testing.T) {
	outDir := filepath.Join(t.TempDir(), "out")
	runCases(t, []cliCase{
		{"the API server's rules-skipped note is not printed", "apiVersion: config.openshift.io/v1\nkind: ClusterImagePolicy\nmetadata: {name: enum}\nspec:\n  scopes: [example.com]\n  policy:\n    rootOfTrust: {policyType: Unknown}\n",
			[]string{"render", "-f", "-", "-o", outDir}, exitRejected, []string{`ClusterImagePolicy enum: spec.policy.rootOfTrust.policyType: Unsupported value: "Unknown"`}, []string{"1 invalid object(s)"}, []string{"<nil>", "some validation rules were not checked"}},
	})
}
