package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	configv1 "github.com/openshift/api/config/v1"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/simulate"
)

const podYAML = `apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s}
spec:
  containers: [{name: c, image: "%s"}]
`

// pod is a one-container Pod document; namespace "" leaves it out.
func pod(name, namespace, image string) string {
	return "---\n" + fmt.Sprintf(podYAML, name, namespace, image)
}

func TestSimulateCommand(t *testing.T) {
	key := exampleKeyData(t)
	dir := t.TempDir()
	// A closed loopback port: pulls under it cannot be decided.
	unreachable := writeFile(t, dir, "unreachable.yaml", policyDoc(key, "", "offline", "MatchRepository", "localhost:1"))
	allowed := writeFile(t, dir, "allowed.yaml", pod("a", "one", "quay.io/unscoped/app:1")+pod("b", "", "registry.access.redhat.com/ubi9:latest"))
	offline := writeFile(t, dir, "offline.yaml", pod("a", "one", "quay.io/unscoped/app:1")+pod("b", "two", "localhost:1/app:1"))
	badRef := writeFile(t, dir, "badref.yaml", pod("a", "one", "Not/A/Reference"))
	service := writeFile(t, dir, "service.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")

	runCases(t, []cliCase{
		{"unscoped images are allowed by the default", "", []string{"simulate", "-f", examples, "--workload", allowed}, exitOK,
			[]string{"one        Pod/a     c          quay.io/unscoped/app:1", "default    Pod/b", "allowed  no policy scope matches: allowed without a signature check", "2 pull(s) in 2 namespace(s), 2 decision(s): 2 allowed"}, nil, nil},
		{"default namespace flag and workloads on stdin", pod("s", "", "quay.io/x:1"), []string{"simulate", "-f", examples, "--workload", "-", "--default-namespace", "ci"}, exitOK,
			[]string{"ci         Pod/s"}, nil, nil},
		{"unreachable registry is undecided", "", []string{"simulate", "-f", unreachable, "--workload", offline, "--timeout", "10s"}, exitUndecided,
			[]string{"two        Pod/b     c          localhost:1/app:1       undecided", "1 allowed, 0 denied, 1 undecided"}, nil, nil},
		{"unparsable image reference", "", []string{"simulate", "-f", examples, "--workload", badRef}, exitUsage,
			[]string{"error", "repository name must be lowercase"}, nil, nil},
		{"no workload at all", "", []string{"simulate", "-f", examples, "--workload", service}, exitUsage, nil,
			[]string{simulate.ErrNoWorkloads.Error()}, nil},
		{"policies from stdin", policyDoc(key, "", "offline", "MatchRepository", "localhost:1"), []string{"simulate", "-f", "-", "--workload", offline, "--timeout", "10s"}, exitUndecided,
			[]string{"localhost:1/app:1       undecided"}, nil, nil},
		{"stdin for both", "", []string{"simulate", "-f", "-", "--workload", "-"}, exitUsage, nil, []string{"not -f and --workload"}, nil},
		{"node root", "", []string{"simulate", "--root", filepath.Join(dir, "no-such-root"), "--workload", allowed}, exitUsage, nil, []string{"no-such-root"}, nil},
		{"invalid policies", "", []string{"simulate", "-f", writeFile(t, dir, "bad.yaml", policyDoc(key, "", "bad", "", "busybox")), "--workload", allowed}, exitUsage, nil,
			[]string{"invalid policy resources", "invalid image scope format"}, nil},
		{"no --workload", "", []string{"simulate", "-f", examples}, exitUsage, nil, []string{"--workload"}, nil},
		{"no policy source", "", []string{"simulate", "--workload", allowed}, exitUsage, nil, []string{"-f PATH", "--root DIR", "--policy FILE"}, nil},
		{"bad output", "", []string{"simulate", "-f", examples, "--workload", allowed, "-o", "xml"}, exitUsage, nil, []string{"table, json or junit"}, nil},
		{"bad concurrency", "", []string{"simulate", "-f", examples, "--workload", allowed, "--concurrency", "0"}, exitUsage, nil, []string{"--concurrency"}, nil},
		{"missing workload file", "", []string{"simulate", "-f", examples, "--workload", filepath.Join(dir, "nope.yaml")}, exitUsage, nil, []string{"no such file"}, nil},
	})
}

// TestSimulateDenialOnFixtures runs the command against the embedded
// fixture registry: the catalogue's denial must exit 1 and show in every
// output format.
func TestSimulateDenialOnFixtures(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged", "key-unknown"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	cat := srv.Catalogue()
	if err := cat.Write(dir); err != nil {
		t.Fatal(err)
	}
	var (
		workloads strings.Builder
		resources []string
		want      = map[string]fixtures.Verdict{}
	)
	for _, e := range cat.Entries {
		if strings.Contains(e.Reference, "@") {
			continue
		}
		x := e.Expect[0]
		if x.MatchPolicy != configv1.IdentityMatchPolicyMatchRepoDigestOrExact {
			t.Fatalf("catalogue order changed: %s first", x.MatchPolicy)
		}
		resources = append(resources, "-f", filepath.Join(dir, x.Policy))
		workloads.WriteString(pod(e.Scenario, "fixtures", e.Reference))
		want[e.Scenario] = x.Verdict
	}
	if want["key-tagged"] != fixtures.Allow || want["key-unknown"] != fixtures.Deny {
		t.Fatalf("catalogue verdicts changed: %v", want)
	}
	wl := writeFile(t, dir, "workloads.yaml", workloads.String())
	args := append([]string{"simulate", "--workload", wl}, resources...)

	out, errOut, code := run(t, "", args...)
	if code != exitRejected {
		t.Fatalf("exit code = %d, want %d\n%s%s", code, exitRejected, out, errOut)
	}
	if !regexp.MustCompile(`(?m)^fixtures +Pod/key-unknown +c +` + regexp.QuoteMeta(cat.Registry) + `/\S+ +denied +cryptographic signature verification failed`).MatchString(out) {
		t.Errorf("table lacks the denial:\n%s", out)
	}

	out, _, code = run(t, "", append(args, "-o", "json")...)
	if code != exitRejected {
		t.Fatalf("json: exit code = %d", code)
	}
	var report simulate.Report
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Namespaces) != 1 || report.Namespaces[0].Namespace != "fixtures" {
		t.Fatalf("namespaces = %+v", report.Namespaces)
	}
	for _, p := range report.Namespaces[0].Pulls {
		if got, w := p.Outcome == "allowed", want[p.Workload.Name] == fixtures.Allow; got != w || p.Decision == nil || p.Decision.Digest == "" {
			t.Errorf("%s: outcome %s (decision %v), catalogue says %s", p.Workload.Name, p.Outcome, p.Decision != nil, want[p.Workload.Name])
		}
	}

	out, _, code = run(t, "", append(args, "-o", "junit")...)
	if code != exitRejected {
		t.Fatalf("junit: exit code = %d", code)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if suites.Tests != 2 || suites.Failures != 1 || len(suites.Suites) != 1 || suites.Suites[0].Name != "fixtures" {
		t.Fatalf("junit = %+v", suites)
	}
	for _, c := range suites.Suites[0].Cases {
		denied := strings.Contains(c.Name, "key-unknown")
		if (c.Failure != nil) != denied || (denied && !strings.Contains(c.Failure.Message, "signature")) {
			t.Errorf("testcase %q: failure %+v", c.Name, c.Failure)
		}
	}
}

// TestSimulateBrokenNamespacePolicy: as in CRI-O, a namespace policy file
// that cannot be read fails that namespace's pulls only.
func TestSimulateBrokenNamespacePolicy(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"etc/containers", "etc/crio/policies"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(root, "etc/containers"), "policy.json", `{"default":[{"type":"insecureAcceptAnything"}]}`)
	writeFile(t, filepath.Join(root, "etc/crio/policies"), "team.json", `{"default": [`)
	workloads := writeFile(t, t.TempDir(), "pods.yaml", pod("a", "team", "quay.io/x/app:1")+pod("b", "other", "quay.io/x/app:1"))
	runCases(t, []cliCase{
		{"table", "", []string{"simulate", "--root", root, "--workload", workloads}, exitUsage,
			[]string{"other      Pod/b     c          quay.io/x/app:1  allowed", "team       Pod/a     c          quay.io/x/app:1  invalid-configuration  namespace team: ", "team.json"}, nil, nil},
	})
}
