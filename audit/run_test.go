package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/verify"
)

// fakeDecider allows images whose name contains "ok", denies the others
// (no signature), leaves "down" undecided and refuses "bad ref"; it counts
// and bounds its calls.
type fakeDecider struct {
	calls    sync.Map // image → *atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
}

func (f *fakeDecider) Verify(ctx context.Context, image string) (*verify.Decision, error) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	c, _ := f.calls.LoadOrStore(image, &atomic.Int64{})
	c.(*atomic.Int64).Add(1)
	if strings.Contains(image, " ") {
		return nil, verify.ErrInvalidReference
	}
	d := &verify.Decision{Image: image, Reference: image, Outcome: verify.OutcomeAllowed, Allowed: true}
	switch {
	case strings.Contains(image, "down"):
		d.Outcome, d.Allowed = verify.OutcomeUndecided, false
		d.Requirements = []verify.RequirementResult{{Type: "sigstoreSigned", Code: verify.ReasonRegistryUnavailable, RegistryError: "unavailable", Reason: "down"}}
	case !strings.Contains(image, "ok"):
		d.Outcome, d.Allowed = verify.OutcomeDenied, false
		d.Attachments = &verify.Attachments{Repository: "r.example/x", Tag: "sha256-00.sig", Enabled: true}
		d.Requirements = []verify.RequirementResult{{Type: "sigstoreSigned", Code: verify.ReasonNoSignatures, Reason: "A signature was required, but no signature exists"}}
		if strings.Contains(image, "<") { // markup in the reason too, as a registry could send it
			d.Requirements[0].Reason = "refused " + image
		}
	}
	return d, nil
}

func (f *fakeDecider) count(image string) int64 {
	c, ok := f.calls.Load(image)
	if !ok {
		return 0
	}
	return c.(*atomic.Int64).Load()
}

func images(n int, kind string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("r.example/ns/%s-%d:v1", kind, i)
	}
	return out
}

func TestRunDecidesEachImageOnce(t *testing.T) {
	input := append(images(200, "ok"), images(50, "deny")...)
	input = append(input, input[:30]...) // repeated references
	input = append(input, "bad ref", "r.example/down:1")
	var f fakeDecider
	var got collect
	sum, err := audit.Run(t.Context(), &f, refsOf(input), audit.Options{Concurrency: 4}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Read != len(input) || sum.Duplicates != 30 || sum.Images != 252 || len(got.order) != 252 {
		t.Fatalf("read %d, duplicates %d, images %d, results %d", sum.Read, sum.Duplicates, sum.Images, len(got.order))
	}
	for _, img := range input {
		if f.count(img) != 1 {
			t.Errorf("%s decided %d times", img, f.count(img))
		}
	}
	if p := f.peak.Load(); p > 4 {
		t.Errorf("%d decisions in flight, concurrency 4", p)
	}
	if sum.Outcomes["allowed"] != 200 || sum.Outcomes["denied"] != 50 || sum.Outcomes["undecided"] != 1 || sum.Outcomes[audit.OutcomeInvalidReference] != 1 {
		t.Errorf("outcomes %v", sum.Outcomes)
	}
	if sum.Causes[audit.CauseNoSignature] != 50 || sum.Causes[audit.CauseRegistryUnavailable] != 1 || sum.Causes[audit.CauseInvalidReference] != 1 {
		t.Errorf("causes %v", sum.Causes)
	}
	if sum.ExitCode() != 1 {
		t.Errorf("exit code %d, want 1", sum.ExitCode())
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		images []string
		code   int
	}{
		{images(3, "ok"), 0},
		{append(images(3, "ok"), "r.example/down:1"), 3},
		{append(images(3, "ok"), "r.example/down:1", "bad ref"), 2},
		{append(images(3, "ok"), "r.example/down:1", "bad ref", "r.example/deny:1"), 1},
	} {
		var got collect
		sum, err := audit.Run(t.Context(), &fakeDecider{}, refsOf(tc.images), audit.Options{}, &got)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ExitCode() != tc.code {
			t.Errorf("%v: exit %d, want %d", tc.images, sum.ExitCode(), tc.code)
		}
	}
}

func TestShardsPartitionTheInput(t *testing.T) {
	input := append(images(300, "ok"), images(100, "deny")...)
	const n = 4
	seen := map[string]int{}
	var inputs []string
	for i := range n {
		var got collect
		// Each shard reads the input in another order.
		order := append([]string(nil), input[i*7:]...)
		order = append(order, input[:i*7]...)
		sum, err := audit.Run(t.Context(), &fakeDecider{}, refsOf(order), audit.Options{Shard: audit.Shard{Index: i, Count: n}}, &got)
		if err != nil {
			t.Fatal(err)
		}
		for _, img := range got.order {
			seen[img]++
			if audit.ShardOf(img, n) != i {
				t.Errorf("%s in shard %d, hash says %d", img, i, audit.ShardOf(img, n))
			}
		}
		if sum.Images == 0 || sum.Images == len(input) {
			t.Errorf("shard %d took %d of %d images", i, sum.Images, len(input))
		}
		inputs = append(inputs, sum.Input)
	}
	for _, img := range input {
		if seen[img] != 1 {
			t.Errorf("%s decided by %d shards", img, seen[img])
		}
	}
	for _, in := range inputs[1:] {
		if in != inputs[0] {
			t.Errorf("input fingerprints differ across shards: %v", inputs)
		}
	}
}

func TestShardOfIsStable(t *testing.T) {
	// FNV-1a 64 of the reference string, modulo N: these values must never
	// change, or shards of one audit written by two versions would overlap.
	for _, tc := range []struct {
		image string
		n     int
		want  int
	}{
		{"quay.io/openshift-release-dev/ocp-release@sha256:0000", 7, int(uint64(12382396026511136922) % 7)},
		{"a", 1000, int(uint64(0xaf63dc4c8601ec8c) % 1000)},
		{"", 10, int(0xcbf29ce484222325 % 10)},
	} {
		if got := audit.ShardOf(tc.image, tc.n); got != tc.want {
			t.Errorf("ShardOf(%q, %d) = %d, want %d", tc.image, tc.n, got, tc.want)
		}
	}
	for _, bad := range []string{"", "1", "2/2", "-1/3", "a/b", "1/0"} {
		if _, err := audit.ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := audit.ParseShard("2/5"); err != nil || s != (audit.Shard{Index: 2, Count: 5}) {
		t.Errorf("ParseShard(2/5) = %v, %v", s, err)
	}
}

func TestLines(t *testing.T) {
	in := "# comment\n\n  r.example/a:1  \nr.example/b:2\n#x\n"
	var got []audit.Ref
	for ref, err := range audit.Lines(strings.NewReader(in), "list") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ref)
	}
	want := []audit.Ref{{Image: "r.example/a:1", From: "list:3"}, {Image: "r.example/b:2", From: "list:4"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%v, want %v", got, want)
	}
	long := strings.Repeat("x", 70<<10)
	for _, err := range audit.Lines(strings.NewReader(long), "long") {
		if err == nil {
			t.Error("a 70 KiB line was accepted")
		}
	}
}

// signalWriter collects results and closes written after the first.
type signalWriter struct {
	collect
	once    sync.Once
	written chan struct{}
}

func (w *signalWriter) Result(r audit.Result) error {
	defer w.once.Do(func() { close(w.written) })
	return w.collect.Result(r)
}

func TestInputErrorReturnsTheSummarySoFar(t *testing.T) {
	w := &signalWriter{written: make(chan struct{})}
	refs := func(yield func(audit.Ref, error) bool) {
		if !yield(audit.Ref{Image: "r.example/deny:1"}, nil) {
			return
		}
		<-w.written
		yield(audit.Ref{}, errors.New("listing failed"))
	}
	sum, err := audit.Run(t.Context(), &fakeDecider{}, refs, audit.Options{}, w)
	if !errors.Is(err, audit.ErrInput) {
		t.Fatalf("error %v, want ErrInput", err)
	}
	if sum == nil || sum.Images != 1 || sum.ExitCode() != 1 {
		t.Errorf("summary %+v, want the denial written", sum)
	}
	if w.summary != nil {
		t.Error("summary written after an input error")
	}
}

func TestInputErrorStopsTheRunWithoutSummary(t *testing.T) {
	refs := func(yield func(audit.Ref, error) bool) {
		if !yield(audit.Ref{Image: "r.example/ok:1"}, nil) {
			return
		}
		yield(audit.Ref{}, errors.New("listing failed"))
	}
	var buf bytes.Buffer
	_, err := audit.Run(t.Context(), &fakeDecider{}, refs, audit.Options{}, audit.NewJSONLines(&buf))
	if !errors.Is(err, audit.ErrInput) {
		t.Fatalf("error %v, want ErrInput", err)
	}
	if strings.Contains(buf.String(), `"summary"`) {
		t.Errorf("summary written after an input error:\n%s", buf.String())
	}
}

// jsonlRun audits input (shard s, resuming from resume) into a file.
func jsonlRun(t *testing.T, dir, name string, input []string, s audit.Shard, resume *audit.Resume) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := audit.Run(t.Context(), &fakeDecider{}, refsOf(input), audit.Options{Shard: s, Resume: resume}, audit.NewJSONLines(f)); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResumeSkipsDecidedImages(t *testing.T) {
	dir := t.TempDir()
	input := append(images(20, "ok"), "r.example/down:1", "r.example/deny:1")
	first := jsonlRun(t, dir, "first.jsonl", input, audit.Shard{}, nil)
	// A run killed while writing leaves half a line.
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(first, append(data, `{"image":"r.example/x","allo`...), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := audit.LoadResume(first)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 21 || r.Has("r.example/down:1") || !r.Has("r.example/deny:1") {
		t.Fatalf("resume holds %d images; undecided kept: %v", r.Len(), r.Has("r.example/down:1"))
	}
	var f fakeDecider
	var got collect
	sum, err := audit.Run(t.Context(), &f, refsOf(input), audit.Options{Resume: r}, &got)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != 21 || sum.Images != 1 || f.count("r.example/down:1") != 1 {
		t.Errorf("resumed %d, decided %d", sum.Resumed, sum.Images)
	}
	// The denial decided by the first run still fails the resumed one: a
	// rerun after an interruption must not turn a denial into exit 0.
	if code := sum.ExitCode(); code != 1 || sum.ResumedOutcomes["denied"] != 1 || sum.ResumedOutcomes["allowed"] != 20 {
		t.Errorf("exit code %d with resumed outcomes %v; want 1", code, sum.ResumedOutcomes)
	}
	// A malformed line before the last is an error.
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{oops\n"+`{"image":"a","outcome":"allowed"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.LoadResume(bad); err == nil {
		t.Error("malformed line accepted")
	}
	if r, err := audit.LoadResume(filepath.Join(dir, "absent.jsonl")); err != nil || r.Len() != 0 {
		t.Errorf("missing resume file: %v", err)
	}
}

func TestMerge(t *testing.T) {
	dir := t.TempDir()
	input := append(images(120, "ok"), images(40, "deny")...)
	input = append(input, "r.example/down:1")
	const n = 3
	var shards []string
	for i := range n {
		shards = append(shards, jsonlRun(t, dir, fmt.Sprintf("shard-%d.jsonl", i), input, audit.Shard{Index: i, Count: n}, nil))
	}
	var got collect
	sum, err := audit.Merge(shards, &got)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Images != len(input) || len(got.results) != len(input) || sum.Shard != (audit.Shard{Index: 0, Count: 1}) {
		t.Fatalf("merged %d images (%d results), want %d", sum.Images, len(got.results), len(input))
	}

	// The shard holding the undecided image, resumed: the retry replaces it.
	downShard := audit.ShardOf("r.example/down:1", n)
	r, err := audit.LoadResume(shards[downShard])
	if err != nil {
		t.Fatal(err)
	}
	retry := jsonlRun(t, dir, "retry.jsonl", input, audit.Shard{Index: downShard, Count: n}, r)
	if _, err := audit.Merge(append(append([]string(nil), shards...), retry), &collect{}); err != nil {
		t.Errorf("shard and its resumed run: %v", err)
	}
	// A retry that decided the image supersedes the undecided result even
	// when given first: the files are taken in the order the runs started.
	retryData := mustRead(t, retry)
	decided := bytes.Replace(retryData, []byte(`"outcome":"undecided"`), []byte(`"outcome":"denied"`), 1)
	if bytes.Equal(decided, retryData) {
		t.Fatalf("no undecided result in %s", retryData)
	}
	retryFirst := filepath.Join(dir, "retry-decided.jsonl")
	if err := os.WriteFile(retryFirst, decided, 0o600); err != nil {
		t.Fatal(err)
	}
	var retried collect
	if _, err := audit.Merge(append([]string{retryFirst}, shards...), &retried); err != nil {
		t.Errorf("the resumed run given before its shard: %v", err)
	} else if o := retried.results["r.example/down:1"].Outcome; o != "denied" {
		t.Errorf("the retried image kept outcome %q, want the retry's", o)
	}

	other := jsonlRun(t, dir, "other-input.jsonl", images(10, "other-ok"), audit.Shard{Index: 0, Count: n}, nil)
	unsharded := jsonlRun(t, dir, "all.jsonl", input, audit.Shard{}, nil)
	truncated := filepath.Join(dir, "truncated.jsonl")
	data, err := os.ReadFile(shards[1])
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if err := os.WriteFile(truncated, bytes.Join(lines[:len(lines)-2], nil), 0o600); err != nil {
		t.Fatal(err)
	}
	gap := filepath.Join(dir, "gap.jsonl")
	if err := os.WriteFile(gap, bytes.Join(append(lines[1:len(lines)-2], lines[len(lines)-2]), nil), 0o600); err != nil {
		t.Fatal(err)
	}
	// Summaries that claim impossible shards (a count that would size a
	// table, an index outside it) are refused, never trusted.
	claim := func(name, shard string) string {
		path := filepath.Join(dir, name)
		last := bytes.Replace(lines[len(lines)-2], []byte(`"shard":{"index":1,"count":3}`), []byte(`"shard":`+shard), 1)
		if bytes.Equal(last, lines[len(lines)-2]) {
			t.Fatalf("no shard in the summary line %s", last)
		}
		if err := os.WriteFile(path, bytes.Join(append(lines[:len(lines)-2:len(lines)-2], last), nil), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	for _, tc := range []struct {
		desc  string
		files []string
		want  string
	}{
		{"a negative shard count", []string{claim("negative.jsonl", `{"index":0,"count":-1}`)}, "claims shard 0/-1"},
		{"a huge shard count", []string{claim("huge.jsonl", `{"index":0,"count":1000000000000}`)}, "claims shard"},
		{"an index outside the count", []string{claim("outside.jsonl", `{"index":5,"count":3}`)}, "claims shard 5/3"},
		{"a missing shard", shards[:2], "shard 2/3 is missing"},
		{"a shard twice", append(slices.Clone(shards), shards[0]), "twice"},
		{"another input", []string{shards[0], shards[1], shards[2], other}, "not one audit"},
		{"unsharded with sharded", append(slices.Clone(shards), unsharded), "twice"},
		{"a run that did not finish", []string{shards[0], truncated, shards[2]}, "does not end with a summary"},
		{"a gap", []string{shards[0], gap, shards[2]}, "its summary counts"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := audit.Merge(tc.files, &collect{})
			if !errors.Is(err, audit.ErrMerge) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// An image placed in the wrong shard file.
	moved := filepath.Join(dir, "moved.jsonl")
	var res audit.Result
	var foreign []byte
	for _, l := range bytes.Split(mustRead(t, shards[0]), []byte("\n")) {
		if json.Unmarshal(l, &res) == nil && res.Image != "" {
			foreign = l
			break
		}
	}
	d1 := mustRead(t, shards[1])
	if err := os.WriteFile(moved, append(foreign, append([]byte("\n"), d1...)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Merge([]string{shards[0], moved, shards[2]}, &collect{}); !errors.Is(err, audit.ErrMerge) {
		t.Errorf("an image in the wrong shard: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestOutputs(t *testing.T) {
	input := append(images(5, "ok"), "r.example/deny:1", "r.example/down:1", "bad ref", "r.example/deny-\x1b[31mred\x1b[0m:1")
	run := func(w audit.Writer) {
		t.Helper()
		if _, err := audit.Run(t.Context(), &fakeDecider{}, refsOf(input), audit.Options{Concurrency: 1}, w); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("jsonl", func(t *testing.T) {
		var buf bytes.Buffer
		run(audit.NewJSONLines(&buf))
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		if len(lines) != len(input)+1 || !strings.HasPrefix(lines[len(lines)-1], `{"summary":`) {
			t.Fatalf("%d lines:\n%s", len(lines), buf.String())
		}
		for _, l := range lines[:len(input)] {
			var r map[string]any
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"image", "allowed", "outcome"} {
				if _, ok := r[k]; !ok {
					t.Errorf("no %s in %s", k, l)
				}
			}
		}
	})
	t.Run("text", func(t *testing.T) {
		var buf bytes.Buffer
		run(audit.NewText(&buf))
		out := buf.String()
		for _, want := range []string{"9 image(s): 5 allowed, 2 denied, 1 undecided, 1 invalid-reference", "no-signature: 2 image(s)", "registry-unavailable: 1 image(s)", "fix "} {
			if !strings.Contains(out, want) {
				t.Errorf("text lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "\x1b") {
			t.Errorf("escape sequence from the input reached the text output")
		}
	})
	t.Run("junit", func(t *testing.T) {
		var buf bytes.Buffer
		j, err := audit.NewJUnit(&buf)
		if err != nil {
			t.Fatal(err)
		}
		run(j)
		var doc struct {
			Tests    int `xml:"tests,attr"`
			Failures int `xml:"failures,attr"`
			Errors   int `xml:"errors,attr"`
			Suite    struct {
				Cases []struct {
					Name    string    `xml:"name,attr"`
					Failure *struct{} `xml:"failure"`
					Error   *struct{} `xml:"error"`
				} `xml:"testcase"`
			} `xml:"testsuite"`
		}
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("not XML: %v\n%s", err, buf.String())
		}
		failures, errs := 0, 0
		for _, c := range doc.Suite.Cases {
			if c.Failure != nil {
				failures++
			}
			if c.Error != nil {
				errs++
			}
		}
		if doc.Tests != 9 || len(doc.Suite.Cases) != 9 || doc.Failures != 2 || failures != 2 || doc.Errors != 2 || errs != 2 {
			t.Errorf("tests %d (%d cases), failures %d (%d), errors %d (%d)", doc.Tests, len(doc.Suite.Cases), doc.Failures, failures, doc.Errors, errs)
		}
	})
	t.Run("html", func(t *testing.T) {
		var buf bytes.Buffer
		run(audit.NewHTML(&buf))
		out := buf.String()
		for _, want := range []string{`<svg id="chart"`, `data-cause="no-signature" data-count="2"`, `<tr data-cause="allowed"`, `<table id="results">`} {
			if !strings.Contains(out, want) {
				t.Errorf("html lacks %q", want)
			}
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, "<script src") || strings.Contains(out, "<link ") || strings.Contains(out, "http://") || strings.Contains(out, "https://") {
			t.Errorf("html has an escape sequence or an external asset")
		}
	})
	t.Run("html escapes what inputs and registries control", func(t *testing.T) {
		var buf bytes.Buffer
		hostile := []string{`r.example/deny<script>alert(1)</script>:1`, `r.example/deny"><img src=x onerror=alert(2)>:1`}
		if _, err := audit.Run(t.Context(), &fakeDecider{}, refsOf(hostile), audit.Options{Concurrency: 1}, audit.NewHTML(&buf)); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, raw := range []string{"<script>alert", "<img src=x", `"><img`} {
			if strings.Contains(out, raw) {
				t.Errorf("html holds %q unescaped", raw)
			}
		}
		if n := strings.Count(out, "&lt;script&gt;alert(1)"); n < 2 { // the image and the reason naming it
			t.Errorf("the escaped image appears %d times, want it in the image and in the reason", n)
		}
	})
}
