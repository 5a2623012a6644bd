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
