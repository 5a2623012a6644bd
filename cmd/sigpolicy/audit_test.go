package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/fixtures"
)

// TestMain lets the test binary act as sigpolicy itself, so that tests can
// run several sigpolicy processes (audit shards) at once.
func TestMain(m *testing.M) {
	if os.Getenv("SIGPOLICY_TEST_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// auditFixtures serves every scenario and the audit set, and writes the
// catalogue, a list of every image and the policy files of one match
// policy (with the audit set's) under a directory.
type auditFixtures struct {
	cat      *fixtures.Catalogue
	dir      string
	images   string   // file: one reference per line
	policies []string // -f arguments
	conf     string   // registries.conf of the audit set
}

var auditServer = sync.OnceValues(func() (*fixtures.Server, error) {
	return fixtures.Serve(context.Background(), fixtures.Options{Scenarios: append(fixtures.ScenarioNames(), fixtures.AuditSetName)})
})

func newAuditFixtures(t *testing.T) auditFixtures {
	t.Helper()
	srv, err := auditServer()
	if err != nil {
		t.Fatal(err)
	}
	f := auditFixtures{cat: srv.Catalogue(), dir: t.TempDir()}
	if err := f.cat.Write(f.dir); err != nil {
		t.Fatal(err)
	}
	var lines []string
	seen := map[string]bool{}
	for _, e := range f.cat.Entries {
		if e.Hostile != "" && e.Hostile != "slow" && e.Hostile != "no-referrers-api" {
			continue // 429 and 500 are retried with backoff: slow, and covered in package audit
		}
		lines = append(lines, e.Reference)
		for _, x := range e.Expect {
			if x.MatchPolicy == "MatchRepository" && !seen[x.Policy] {
				seen[x.Policy] = true
				f.policies = append(f.policies, "-f", filepath.Join(f.dir, x.Policy))
			}
		}
	}
	for _, img := range f.cat.Audit.Images {
		lines = append(lines, img.Reference)
	}
	f.policies = append(f.policies, "-f", filepath.Join(f.dir, f.cat.Audit.Policy))
	f.conf = filepath.Join(f.dir, fixtures.AuditRegistriesConfFile)
	f.images = writeFile(t, f.dir, "images.txt", strings.Join(lines, "\n")+"\n")
	return f
}

func readJSONL(t *testing.T, data string) (map[string]audit.Result, *audit.Summary) {
	t.Helper()
	results := map[string]audit.Result{}
	var sum *audit.Summary
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var probe struct {
			Summary *audit.Summary `json:"summary"`
		}
		if err := json.Unmarshal(sc.Bytes(), &probe); err != nil {
			t.Fatalf("not JSON: %v: %s", err, sc.Text())
		}
		if probe.Summary != nil {
			sum = probe.Summary
			continue
		}
		var r audit.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if _, dup := results[r.Image]; dup {
			t.Errorf("%s twice", r.Image)
		}
		results[r.Image] = r
	}
	return results, sum
}

func TestAuditCommand(t *testing.T) {
	fx := newAuditFixtures(t)
	set := fx.cat.Audit
	policy := filepath.Join(fx.dir, set.Policy)
	base := []string{"audit", "-f", policy, "--registries-conf", fx.conf}
	allowedOnly := writeFile(t, t.TempDir(), "ok.txt", "# allowed\n"+set.Origin+"/signed-mirrored:v1\n"+set.Origin+"/origin-only:v1\n")
	runCases(t, []cliCase{
		{desc: "allowed: exit 0", args: append(base, "--images", allowedOnly), wantCode: exitOK, wantOut: []string{`"outcome":"allowed"`, `"summary"`}},
		{desc: "the release image: the oc image mirror line, exit 1", args: append(base, "--release", set.Release, "-o", "text"), wantCode: exitRejected,
			wantOut: []string{"signature-not-mirrored: 1 image(s)", "fix     oc image mirror " + set.Origin + "/signature-not-mirrored:sha256-", " " + set.Mirror + "/signature-not-mirrored:sha256-", "image-not-found: 1"}},
		{desc: "stdin", stdin: set.Origin + "/unsigned:v1\n", args: append(base, "--images", "-", "-o", "text"), wantCode: exitRejected, wantOut: []string{"no-signature: 1 image(s)"}},
		{desc: "undecided only: exit 3", stdin: set.Origin + "/missing:v1\n", args: append(base, "--images", "-"), wantCode: exitUndecided, wantOut: []string{`"cause":"image-not-found"`}},
		{desc: "--exit-zero", stdin: set.Origin + "/unsigned:v1\n", args: append(base, "--images", "-", "--exit-zero"), wantCode: exitOK},
		{desc: "a repository's tags", args: append(base, "--repository", set.Origin+"/unsigned", "-o", "junit"), wantCode: exitRejected,
			wantOut: []string{`<testsuite name="sigpolicy audit" tests="1" failures="1"`, "no-signature"}},
		{desc: "workloads", stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: " + set.Origin + "/signed-mirrored:v1}]\n",
			args: append(base, "--workload", "-"), wantCode: exitOK, wantOut: []string{`"from":"workload default/Pod/p container c"`}},
		{desc: "no images", args: base, wantCode: exitUsage, wantErr: []string{"no images"}},
		{desc: "no policy", args: []string{"audit", "--images", allowedOnly}, wantCode: exitUsage},
		{desc: "bad shard", args: append(base, "--images", allowedOnly, "--shard", "3/3"), wantCode: exitUsage},
		{desc: "bad output", args: append(base, "--images", allowedOnly, "-o", "yaml"), wantCode: exitUsage},
		{desc: "unreadable list", args: append(base, "--images", "/nonexistent"), wantCode: exitUsage},
		{desc: "not a release", args: append(base, "--release", set.Origin+"/unsigned:v1"), wantCode: exitUsage, wantErr: []string{"release " + set.Origin + "/unsigned:v1"}},
		{desc: "release unreachable: exit 3", args: append(base, "--release", "127.0.0.1:1/ocp-release:1"), wantCode: exitUndecided},
	})

	t.Run("resume appends to its own output", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		list := writeFile(t, t.TempDir(), "list.txt", set.Origin+"/signed-mirrored:v1\n"+set.Origin+"/missing:v1\n")
		args := append(slices.Clone(base), "--images", list, "--out", out, "--resume", out)
		if _, errOut, code := run(t, "", args...); code != exitUndecided {
			t.Fatalf("first run: exit %d: %s", code, errOut)
		}
		// A run killed mid-line leaves half a line; the next run drops it.
		f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(f, `{"image":"cut`)
		f.Close()
		if _, errOut, code := run(t, "", args...); code != exitUndecided {
			t.Fatalf("second run: exit %d: %s", code, errOut)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), `"cut`) || strings.Count(string(data), `"summary"`) != 2 ||
			strings.Count(string(data), `"image":"`+set.Origin+`/signed-mirrored:v1"`) != 1 || strings.Count(string(data), `"image":"`+set.Origin+`/missing:v1"`) != 2 {
			t.Errorf("output after a resumed run:\n%s", data)
		}
		// The two runs merge: the retried undecided image is kept once.
		mergeOut, errOut, code := run(t, "", "audit", "merge", out, "-o", "jsonl")
		results, sum := readJSONL(t, mergeOut)
		if code != exitUndecided || len(results) != 2 || sum == nil || sum.Images != 2 {
			t.Errorf("merge: exit %d, %d results, summary %+v: %s", code, len(results), sum, errOut)
		}
		// Writing the merge over its own input is refused, and the input stays whole.
		if _, errOut, code := run(t, "", "audit", "merge", out, "--out", out); code != exitUsage || !strings.Contains(errOut, "is also an input") {
			t.Errorf("merge --out INPUT: exit %d: %s", code, errOut)
		}
		if after, err := os.ReadFile(out); err != nil || string(after) != string(data) {
			t.Errorf("the input changed under merge --out: %v", err)
		}
	})
}

// TestShardProcessesMergeToTheWholeAudit runs the audit of every fixture
// image as N separate sigpolicy processes (as an Indexed Job's pods would),
// merges their outputs, and requires exactly the results of one unsharded
// run: no image lost, none doubled, the same verdicts and causes.
func TestShardProcessesMergeToTheWholeAudit(t *testing.T) {
	fx := newAuditFixtures(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	common := append([]string{"audit", "--images", fx.images, "--registries-conf", fx.conf, "-o", "jsonl", "--exit-zero"}, fx.policies...)
	const n = 3
	dir := t.TempDir()
	var wg sync.WaitGroup
	outputs := make([]string, n)
	for i := range n {
		outputs[i] = filepath.Join(dir, fmt.Sprintf("shard-%d.jsonl", i))
		wg.Go(func() {
			cmd := exec.CommandContext(t.Context(), exe, append(slices.Clone(common), "--shard", fmt.Sprintf("%d/%d", i, n), "--out", outputs[i])...)
			cmd.Env = append(os.Environ(), "SIGPOLICY_TEST_AS_MAIN=1")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("shard %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	merged, errOut, code := run(t, "", append([]string{"audit", "merge", "-o", "jsonl"}, outputs...)...)
	if code != exitRejected {
		t.Fatalf("merge: exit %d: %s", code, errOut)
	}
	whole, errOut, code := run(t, "", common...)
	if code != exitOK {
		t.Fatalf("unsharded run: exit %d: %s", code, errOut)
	}
	got, gotSum := readJSONL(t, merged)
	want, wantSum := readJSONL(t, whole)
	if gotSum == nil || wantSum == nil || gotSum.Images != wantSum.Images || gotSum.Input != wantSum.Input || len(got) != len(want) {
		t.Fatalf("merged %d results (%+v), unsharded %d (%+v)", len(got), gotSum, len(want), wantSum)
	}
	for img, w := range want {
		g, ok := got[img]
		if !ok {
			t.Errorf("%s lost", img)
			continue
		}
		if g.Outcome != w.Outcome || g.Cause != w.Cause || g.Digest != w.Digest || g.Source != w.Source {
			t.Errorf("%s: sharded %s %s, unsharded %s %s", img, g.Outcome, g.Cause, w.Outcome, w.Cause)
		}
	}
	if len(want) < 100 {
		t.Errorf("only %d images audited", len(want))
	}
	// A missing shard is a gap: merge refuses and writes nothing.
	out, _, code := run(t, "", append([]string{"audit", "merge"}, outputs[:n-1]...)...)
	if code != exitUsage || out != "" {
		t.Errorf("merge without a shard: exit %d, output %q", code, out)
	}
}
