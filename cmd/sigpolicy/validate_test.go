package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// run executes the root command with args and returns stdout, stderr and
// the exit code main would use.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	code := exitOK
	var ee *exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.code
		if ee.err != nil {
			errOut.WriteString(ee.err.Error())
		}
	default:
		code = exitUsage
		errOut.WriteString(err.Error())
	}
	return out.String(), errOut.String(), code
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const examples = "../../examples"

func TestValidateCommand(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", `apiVersion: config.openshift.io/v1
kind: ClusterImagePolicy
metadata:
  name: bad
spec:
  scopes: [busybox]
  policy:
    rootOfTrust:
      policyType: PublicKey
      publicKey:
        keyData: Zm9vIGJhcg==
`)
	unknown := writeFile(t, dir, "unknown.yaml", "apiVersion: config.openshift.io/v1\nkind: ImagePolicy\nmetadata: {name: u, namespace: n}\nspec:\n  scopez: [a.io]\n")
	garbageKey := writeFile(t, dir, "garbage.yaml", `apiVersion: config.openshift.io/v1
kind: ClusterImagePolicy
metadata:
  name: garbage
spec:
  scopes: [example.com]
  policy:
    rootOfTrust:
      policyType: PublicKey
      publicKey:
        keyData: LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KWjJGeVltRm5aU0JuWVhKaVlXZGxJR2RoY21KaFoyVWdaMkZ5WW1GblpRPT0KLS0tLS1FTkQgUFVCTElDIEtFWS0tLS0tCg==
`)
	broken := writeFile(t, dir, "broken.yaml", "kind: [\n")
	empty := writeFile(t, dir, "empty.yaml", "")
	exampleKey := func() string {
		data, err := os.ReadFile(filepath.Join(examples, "cluster-publickey-rekor.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}()

	runCases(t, []cliCase{
		{"product doc examples", "", []string{"validate", "-f", examples}, exitOK,
			[]string{"OK ClusterImagePolicy p1\n", "OK ClusterImagePolicy pki-policy\n", "OK ImagePolicy mynamespace/p0\n"}, nil, nil},
		{"stdin", exampleKey, []string{"validate", "-f", "-"}, exitOK, []string{"OK ClusterImagePolicy p1\n"}, nil, nil},
		{"invalid object", "", []string{"validate", "-f", bad}, exitRejected,
			[]string{"bad.yaml, document 1: ClusterImagePolicy bad: spec.scopes[0]: invalid image scope format, scope must contain a fully qualified domain name or 'localhost' (value \"busybox\")\n",
				"spec.policy.rootOfTrust.publicKey.keyData: should be at least 68 chars long (value \"Zm9vIGJhcg==\")\n"},
			[]string{"1 invalid object(s)"}, nil},
		{"schema error: the API server's rules-skipped note is not printed", "apiVersion: config.openshift.io/v1\nkind: ClusterImagePolicy\nmetadata: {name: enum}\nspec:\n  scopes: [example.com]\n  policy:\n    rootOfTrust: {policyType: Unknown}\n",
			[]string{"validate", "-f", "-"}, exitRejected, []string{`ClusterImagePolicy enum: spec.policy.rootOfTrust.policyType: Unsupported value: "Unknown"`}, nil, []string{"<nil>", "some validation rules were not checked"}},
		{"unknown field", "", []string{"validate", "-f", unknown}, exitRejected,
			[]string{"spec.scopez: Forbidden: unknown field", "spec.scopes: Required value"}, nil, nil},
		{"PEM garbage between valid markers", "", []string{"validate", "-f", garbageKey}, exitRejected,
			[]string{"spec.policy.rootOfTrust.publicKey.keyData: accepted by the API server but unusable on the node"}, nil, nil},
		{"broken YAML", "", []string{"validate", "-f", broken}, exitUsage, nil, []string{"broken.yaml, document 1"}, nil},
		{"empty file", "", []string{"validate", "-f", empty}, exitUsage, nil, []string{"empty input"}, nil},
		{"missing file", "", []string{"validate", "-f", filepath.Join(dir, "nope.yaml")}, exitUsage, nil, []string{"no such file"}, nil},
		{"no -f", "", []string{"validate"}, exitUsage, nil, []string{"at least one -f PATH"}, nil},
		{"positional argument", "", []string{"validate", "x.yaml"}, exitUsage, nil, []string{"unknown command"}, nil},
	})
}

func TestValidateMirrorSetsAndImageConfig(t *testing.T) {
	dir := t.TempDir()
	badIDMS := writeFile(t, dir, "idms.yaml", "apiVersion: config.openshift.io/v1\nkind: ImageDigestMirrorSet\nmetadata: {name: bad}\nspec:\n  imageDigestMirrors:\n  - source: quay.io/ns:v1\n    mirrors: [mirror.example.net/ns]\n")
	image := writeFile(t, dir, "image.yaml", "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    insecureRegistries: [insecure.example.net]\n    containerRuntimeSearchRegistries: [registry.example.net]\n")
	badImage := writeFile(t, dir, "bad-image.yaml", "apiVersion: config.openshift.io/v1\nkind: Image\nmetadata: {name: cluster}\nspec:\n  registrySources:\n    allowedRegistries: [a.example.com]\n    blockedRegistries: [b.example.com]\n")
	icsp := writeFile(t, dir, "icsp.yaml", "apiVersion: operator.openshift.io/v1alpha1\nkind: ImageContentSourcePolicy\nmetadata: {name: legacy}\nspec:\n  repositoryDigestMirrors:\n  - source: registry.example.org\n    mirrors: [mirror.example.net/org]\n")
	runCases(t, []cliCase{
		{"mirrored examples", "", []string{"validate", "-f", examples}, exitOK,
			[]string{"OK ImageDigestMirrorSet idms-release-0\n", "OK ImageDigestMirrorSet idms-example-com\n", "OK ImageTagMirrorSet itms-example-io\n"},
			nil, []string{"openshift"}},
		{"default openshift policy", "", []string{"validate", "-f", examples, "--openshift-default-policy"}, exitOK,
			[]string{"OK ClusterImagePolicy openshift (built-in default)\n"}, nil, nil},
		{"legacy ICSP and the image config", "", []string{"validate", "-f", icsp, "-f", image}, exitOK,
			[]string{"OK ImageContentSourcePolicy legacy\n", "OK Image cluster\n"}, nil, nil},
		{"invalid mirror source", "", []string{"validate", "-f", badIDMS}, exitRejected,
			[]string{"idms.yaml, document 1: ImageDigestMirrorSet bad: spec.imageDigestMirrors[0].source: should match '", "(value \"quay.io/ns:v1\")\n"},
			[]string{"1 invalid object(s)"}, nil},
		{"allowed and blocked registries", "", []string{"validate", "-f", badImage}, exitRejected,
			[]string{"Image cluster: spec.registrySources: Only one of blockedRegistries or allowedRegistries may be set\n"}, nil, nil},
	})
}

// TestSpecialFilesInDirectoriesAreSkipped: a named pipe in a directory
// given to -f would block validate, lint and render forever; it is skipped
// with a note and the rest is read.
func TestSpecialFilesInDirectoriesAreSkipped(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(examples, "cluster-publickey-rekor.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "policy.yaml", string(data))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"validate", "-f", dir},
		{"lint", "-f", dir},
		{"render", "-f", dir, "-o", filepath.Join(t.TempDir(), "out")},
	} {
		t.Run(args[0], func(t *testing.T) {
			type result struct {
				errOut string
				code   int
			}
			done := make(chan result, 1)
			go func() {
				_, errOut, code := run(t, "", args...)
				done <- result{errOut, code}
			}()
			select {
			case r := <-done:
				if r.code != exitOK || !strings.Contains(r.errOut, "pipe.yaml: skipped: not a regular file (named pipe)") {
					t.Errorf("exit %d, stderr %q; want success and a note about the pipe", r.code, r.errOut)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("blocked on the named pipe")
			}
		})
	}
}

// TestInputTextCannotForgeNotes: a kind or a key path carrying terminal
// escapes reaches the notes and warnings on stderr escaped.
func TestInputTextCannotForgeNotes(t *testing.T) {
	dir := t.TempDir()
	hostile := "apiVersion: v1\nkind: \"Foo\\e]0;pwned\\a\\e[2J\"\nmetadata: {name: x}\n"
	objects := writeFile(t, dir, "objects.yaml", hostile+"---\n"+policyDoc(exampleKeyData(t), "", "p", "MatchRepository", "quay.io/org"))
	workloads := writeFile(t, dir, "workloads.yaml", hostile+"---\n"+pod("a", "ns", "quay.io/other/app:1"))
	keyPolicy := writeFile(t, dir, "policy.json", `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"quay.io/org":[{"type":"sigstoreSigned","keyPath":"/no/such/key\u001b[2J.pub"}]}}}`)
	for _, args := range [][]string{
		{"validate", "-f", objects},
		{"lint", "-f", objects},
		{"simulate", "-f", objects, "--workload", workloads},
		{"verify", "quay.io/other/app:1", "--policy", keyPolicy},
	} {
		t.Run(args[0], func(t *testing.T) {
			out, errOut, _ := run(t, "", args...)
			if strings.ContainsAny(out+errOut, "\x1b\a") {
				t.Errorf("a control character reached the output:\nstdout %q\nstderr %q", out, errOut)
			}
			if !strings.Contains(errOut, `\x1b`) {
				t.Errorf("the hostile text is not shown escaped: %q", errOut)
			}
		})
	}
}
