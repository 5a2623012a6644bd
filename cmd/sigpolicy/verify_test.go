package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/verify"
)

func TestVerifyCommand(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged", "key-unknown", "bundle-referrer"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	dir := t.TempDir()
	if err := srv.Catalogue().Write(dir); err != nil {
		t.Fatal(err)
	}
	reg := srv.Addr()
	good, bad := reg+"/scenarios/key-tagged:v1", reg+"/scenarios/key-unknown:v1"
	goodPolicy := filepath.Join(dir, "policies/key-tagged-matchrepository.yaml")
	badPolicy := filepath.Join(dir, "policies/key-unknown-matchrepository.yaml")
	key, err := os.ReadFile("../../verify/testdata/containers-image/cosign.pub")
	if err != nil {
		t.Fatal(err)
	}
	nodePolicy := writeFile(t, dir, "policy.json", `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"127.0.0.1:1/closed":[{"type":"sigstoreSigned","keyData":"`+
		base64.StdEncoding.EncodeToString(key)+`"}]}}}`)
	tests := []struct {
		desc     string
		args     []string
		code     int
		contains []string
	}{
		{"allowed", []string{"verify", good, "-f", goodPolicy}, exitOK, []string{"ALLOWED", "sigstoreSigned: allowed"}},
		{"denied, failing check shown", []string{"verify", bad, "-f", badPolicy}, exitRejected, []string{"DENIED", "FAIL signature"}},
		{"verbose shows passed checks and requests", []string{"verify", "-v", good, "-f", goodPolicy}, exitOK, []string{"ok   signature", "request     GET"}},
		{"a signature CRI-O cannot see is named", []string{"verify", reg + "/scenarios/bundle-referrer:v1", "-f", filepath.Join(dir, "policies/bundle-referrer-matchrepository.yaml")}, exitRejected,
			[]string{"DENIED", "  note        a cosign bundle signature exists, but CRI-O reads only .sig attachments"}},
		{"highest code wins", []string{"verify", good, bad, "-f", badPolicy, "-f", goodPolicy}, exitRejected, []string{"ALLOWED", "DENIED"}},
		{"undecided: registry unreachable", []string{"verify", "127.0.0.1:1/closed:1", "--policy", nodePolicy}, exitUndecided,
			[]string{"UNDECIDED", "requirement 1 sigstoreSigned: undecided [registry-unavailable]"}},
		{"default scope needs no registry", []string{"verify", "quay.io/anything:1", "--policy", nodePolicy}, exitOK,
			[]string{"ALLOWED   quay.io/anything:1: no policy scope matches: allowed without a signature check (the policy's default is insecureAcceptAnything); the image itself was not fetched", "the policy's default applies"}},
		{"no policy source", []string{"verify", good}, exitUsage, nil},
		{"two policy sources", []string{"verify", good, "--policy", nodePolicy, "-f", goodPolicy}, exitUsage, nil},
		{"bad reference", []string{"verify", "Not/A:Ref:x", "--policy", nodePolicy}, exitUsage, nil},
		{"namespace that is a path", []string{"verify", good, "--root", dir, "--namespace", "../../etc"}, exitUsage, nil},
		{"bad output format", []string{"verify", good, "--policy", nodePolicy, "-o", "yaml"}, exitUsage, nil},
		{"unreadable policy", []string{"verify", good, "--policy", filepath.Join(dir, "missing.json")}, exitUsage, nil},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			out, errOut, code := run(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
			for _, s := range tc.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}

	t.Run("no image", func(t *testing.T) {
		_, errOut, code := run(t, "", "verify", "--policy", nodePolicy)
		if code != exitUsage || !strings.Contains(errOut, "verify needs at least one IMAGE") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})

	t.Run("namespace policy from resources", func(t *testing.T) {
		// The key-unknown policy as an ImagePolicy of namespace team: it
		// governs pulls in team only.
		data, err := os.ReadFile(badPolicy)
		if err != nil {
			t.Fatal(err)
		}
		ip := strings.Replace(string(data), "kind: ClusterImagePolicy", "kind: ImagePolicy", 1)
		ip = strings.Replace(ip, "metadata:\n", "metadata:\n  namespace: team\n", 1)
		ipFile := writeFile(t, dir, "imagepolicy.yaml", ip)
		out, errOut, code := run(t, "", "verify", bad, "-f", ipFile, "--namespace", "team")
		if code != exitRejected || !strings.Contains(out, "etc/crio/policies/team.json") {
			t.Errorf("in team: exit %d\n%s%s", code, out, errOut)
		}
		out, errOut, code = run(t, "", "verify", bad, "-f", ipFile, "--namespace", "other")
		if code != exitOK || !strings.Contains(out, "etc/containers/policy.json") {
			t.Errorf("in other: exit %d\n%s%s", code, out, errOut)
		}
	})

	t.Run("node root rendered by render", func(t *testing.T) {
		root := filepath.Join(t.TempDir(), "node")
		if _, errOut, code := run(t, "", "render", "-f", goodPolicy, "-o", root); code != exitOK {
			t.Fatalf("render: exit %d: %s", code, errOut)
		}
		out, errOut, code := run(t, "", "verify", good, "--root", root)
		if code != exitOK || !strings.Contains(out, filepath.Join(root, "etc/containers/policy.json")) {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		// The same node files through --policy and --registries-d.
		out, errOut, code = run(t, "", "verify", good, "--policy", filepath.Join(root, "etc/containers/policy.json"),
			"--registries-d", filepath.Join(root, "etc/containers/registries.d"))
		if code != exitOK {
			t.Errorf("--policy: exit %d\n%s%s", code, out, errOut)
		}
		// Without registries.d no attachment is read: denied, as CRI-O would.
		out, _, code = run(t, "", "verify", good, "--policy", filepath.Join(root, "etc/containers/policy.json"))
		if code != exitRejected || !strings.Contains(out, "use-sigstore-attachments is not enabled") {
			t.Errorf("--policy without registries.d: exit %d\n%s", code, out)
		}
	})

	t.Run("json", func(t *testing.T) {
		out, errOut, code := run(t, "", "verify", "-o", "json", good, bad, "-f", badPolicy, "-f", goodPolicy)
		if code != exitRejected {
			t.Fatalf("exit code %d: %s", code, errOut)
		}
		var doc struct {
			Decisions []verify.Decision `json:"decisions"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, out)
		}
		if len(doc.Decisions) != 2 {
			t.Fatalf("%d decisions, want 2", len(doc.Decisions))
		}
		g, b := doc.Decisions[0], doc.Decisions[1]
		if !g.Allowed || b.Allowed || b.Outcome != verify.OutcomeDenied {
			t.Errorf("verdicts: %s allowed=%v, %s allowed=%v", g.Image, g.Allowed, b.Image, b.Allowed)
		}
		if g.Digest == "" || g.ScopeKind != "repository" || g.PolicyFile == "" || len(g.Requirements) != 1 || len(b.Requirements[0].Signatures) != 1 {
			t.Errorf("incomplete decision: %+v", g)
		}
		if !strings.Contains(out, `"mediaType": "`+verify.DecisionMediaType+`"`) {
			t.Errorf("no media type in output")
		}
	})
}

// TestVerifyExitCodeClasses pins each class of registry failure to its
// exit code (README.md, "Exit codes"): answers that cannot be trusted deny
// (1); a registry that cannot be asked, refuses access or does not have the
// image leaves the pull undecided (3).
func TestVerifyExitCodeClasses(t *testing.T) {
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/":
			w.WriteHeader(http.StatusOK)
		case "/v2/redirected/manifests/v1":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/v2/failing/manifests/v1":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/v2/locked/manifests/v1":
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
		}
	}))
	t.Cleanup(registry.Close)
	tokenGarbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			fmt.Fprint(w, "<html>not a token</html>")
			return
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, r.Host))
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(tokenGarbage.Close)
	key, err := os.ReadFile("../../verify/testdata/containers-image/cosign.pub")
	if err != nil {
		t.Fatal(err)
	}
	policyFile := writeFile(t, t.TempDir(), "policy.json", `{"default":[{"type":"sigstoreSigned","keyData":"`+base64.StdEncoding.EncodeToString(key)+`"}]}`)
	host := strings.TrimPrefix(registry.URL, "http://")
	runCases(t, []cliCase{
		{desc: "redirect to file:// denies", args: []string{"verify", host + "/redirected:v1", "--policy", policyFile}, wantCode: exitRejected, wantOut: []string{"DENIED", "bad redirect"}},
		{desc: "token endpoint answering garbage denies", args: []string{"verify", strings.TrimPrefix(tokenGarbage.URL, "http://") + "/app:v1", "--policy", policyFile}, wantCode: exitRejected, wantOut: []string{"DENIED", "malformed registry answer"}},
		{desc: "manifest not found is undecided", args: []string{"verify", host + "/missing:v1", "--policy", policyFile}, wantCode: exitUndecided, wantOut: []string{"UNDECIDED", "manifest not found"}},
		{desc: "authentication refused is undecided", args: []string{"verify", host + "/locked:v1", "--policy", policyFile}, wantCode: exitUndecided, wantOut: []string{"UNDECIDED", "registry refused access"}},
		{desc: "server errors after retries are undecided", args: []string{"verify", host + "/failing:v1", "--policy", policyFile}, wantCode: exitUndecided, wantOut: []string{"UNDECIDED", "registry unavailable"}},
	})
}

// TestVerifyPolicyInputIsBounded: --policy is capped like -f inputs, and an
// error never echoes more than an excerpt of the input.
func TestVerifyPolicyInputIsBounded(t *testing.T) {
	dir := t.TempDir()
	huge := writeFile(t, dir, "huge.json", `{"default":[{"type":"insecureAcceptAnything"}],"x":"`+strings.Repeat("A", 40<<20)+`"}`)
	longValue := writeFile(t, dir, "long.json", `{"default":[{"type":"\u001b[2K\u0000`+strings.Repeat("B", 1<<20)+`"}]}`)
	for _, tc := range []struct {
		desc, file, want string
	}{
		{"a policy larger than the cap", huge, "larger than"},
		{"a megabyte-long value", longValue, "truncated"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, errOut, code := run(t, "", "verify", "quay.io/x:1", "--policy", tc.file)
			if code != exitUsage || !strings.Contains(errOut, tc.want) || len(errOut) > 4096 {
				t.Errorf("exit %d, %d bytes of stderr (%.300q); want exit 2 and a short error saying %q", code, len(errOut), errOut, tc.want)
			}
			if strings.ContainsRune(errOut, 0x1b) {
				t.Errorf("stderr holds an escape character: %.300q", errOut)
			}
		})
	}
}

// TestVerifyReferenceErrorIsSanitised: an image argument that does not
// parse is echoed on standard error without its control characters.
func TestVerifyReferenceErrorIsSanitised(t *testing.T) {
	pol := writeFile(t, t.TempDir(), "policy.json", `{"default":[{"type":"insecureAcceptAnything"}]}`)
	_, errOut, code := run(t, "", "verify", "--policy", pol, "Not/A"+hostileText)
	if code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if err := printable(errOut, true); err != nil {
		t.Errorf("standard error: %v: %q", err, errOut)
	}
}

// TestSkippedObjectsAreSaid: an object the decoder skips (a kind misspelt)
// is noted by every command that decides pulls, as validate notes it: its
// scope is not governed, and the user must be able to see why.
func TestSkippedObjectsAreSaid(t *testing.T) {
	dir := t.TempDir()
	objects := writeFile(t, dir, "objects.yaml", policyDoc(exampleKeyData(t), "", "p", "MatchRepository", "quay.io/signed")+
		"---\napiVersion: config.openshift.io/v1\nkind: ClusterImagePolicies\nmetadata:\n  name: typo\n")
	workload := writeFile(t, dir, "pod.yaml", pod("a", "team", "quay.io/other/app@sha256:"+strings.Repeat("a", 64)))
	for _, args := range [][]string{
		{"verify", "-f", objects, "quay.io/other/app@sha256:" + strings.Repeat("a", 64)},
		{"simulate", "-f", objects, "--workload", workload},
	} {
		_, errOut, _ := run(t, "", args...)
		if !strings.Contains(errOut, "note:") || !strings.Contains(errOut, "ClusterImagePolicies") {
			t.Errorf("%s: the skipped object is not said:\n%s", args[0], errOut)
		}
	}
}
