package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAuditLeavesItsInputsAlone runs command lines that must be refused
// (exit 2) before any file is opened for writing: the file that --out names
// keeps its content.
func TestAuditLeavesItsInputsAlone(t *testing.T) {
	dir := t.TempDir()
	pol := writeFile(t, dir, "policy.json", `{"default":[{"type":"insecureAcceptAnything"}]}`)
	list := writeFile(t, dir, "images.txt", "quay.io/x/a:1\n")
	workloads := filepath.Join(dir, "deploy")
	if err := os.Mkdir(workloads, 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := writeFile(t, workloads, "pod.yaml", pod("p", "ns", "quay.io/x/b:1"))
	report := writeFile(t, dir, "report.txt", "an earlier report\n")
	resume := writeFile(t, dir, "resume.jsonl", "")
	merged := writeFile(t, dir, "merged.txt", "an earlier merge\n")
	for _, tc := range []struct {
		desc string
		out  string
		args []string
		want string
	}{
		{"--out is the --images list", list, []string{"audit", "--policy", pol, "--images", list, "--out", list}, "is also an input"},
		{"--out is the --policy file", pol, []string{"audit", "--policy", pol, "--images", list, "--out", pol}, "is also an input"},
		{"--out is a --workload file", manifest, []string{"audit", "--policy", pol, "--workload", manifest, "--out", manifest}, "is also an input"},
		{"--out is a file inside a --workload directory", manifest, []string{"audit", "--policy", pol, "--workload", workloads, "--out", manifest}, "inside the input directory"},
		{"--out is new inside a --workload directory", filepath.Join(workloads, "new.json"), []string{"audit", "--policy", pol, "--workload", workloads, "--out", filepath.Join(workloads, "new.json")}, "inside the input directory"},
		{"--out is the --registries-conf file", list, []string{"audit", "--policy", pol, "--images", "-", "--registries-conf", list, "--out", list}, "is also an input"},
		{"an unknown -o", report, []string{"audit", "--policy", pol, "--images", list, "--out", report, "-o", "yaml"}, "--output must be"},
		{"-o text into the --resume file", resume, []string{"audit", "--policy", pol, "--images", list, "--out", dir + "/./resume.jsonl", "--resume", resume, "-o", "text"}, "-o text"},
		{"merge: an unknown -o", merged, []string{"audit", "merge", resume, "--out", merged, "-o", "yaml"}, "--output must be"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			before, _ := os.ReadFile(tc.out)
			_, errOut, code := run(t, "", tc.args...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d with %q: %s", code, exitUsage, tc.want, errOut)
			}
			after, err := os.ReadFile(tc.out)
			if (err == nil) != (before != nil) || !bytes.Equal(before, after) {
				t.Errorf("%s changed: %q, then %q (%v)", tc.out, before, after, err)
			}
		})
	}
}

// TestAuditResumeIntoItsOutputByAnotherName appends to the --resume file
// when --out names it differently.
func TestAuditResumeIntoItsOutputByAnotherName(t *testing.T) {
	dir := t.TempDir()
	pol := writeFile(t, dir, "policy.json", `{"default":[{"type":"insecureAcceptAnything"}]}`)
	list := writeFile(t, dir, "images.txt", "quay.io/x/a:1\n")
	out := filepath.Join(dir, "out.jsonl")
	for i, name := range []string{out, dir + "/./out.jsonl"} { // not cleaned: another name
		if _, errOut, code := run(t, "", "audit", "--policy", pol, "--images", list, "--resume", out, "--out", name); code != exitOK {
			t.Fatalf("run %d: exit %d: %s", i, code, errOut)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil || strings.Count(string(data), `"summary"`) != 2 || strings.Count(string(data), `"image"`) != 1 {
		t.Errorf("want the first run's result and both summaries: %v\n%s", err, data)
	}
}

func TestStandardInputFeedsOneInput(t *testing.T) {
	runCases(t, []cliCase{
		{"audit: -f and --images", "", []string{"audit", "-f", "-", "--images", "-"}, exitUsage, nil, []string{"not -f and --images"}, nil},
		{"audit: --images and --workload", "", []string{"audit", "--policy", "p.json", "--images", "-", "--workload", "-"}, exitUsage, nil, []string{"not --images and --workload"}, nil},
		{"audit: --images twice", "", []string{"audit", "--policy", "p.json", "--images", "-", "--images", "-"}, exitUsage, nil, []string{"not --images and --images"}, nil},
		{"simulate: -f and --workload", "", []string{"simulate", "-f", "-", "--workload", "-"}, exitUsage, nil, []string{"not -f and --workload"}, nil},
	})
}

// TestAuditDenialOutranksAnInputError breaks the input after a denial was
// written: the exit code is the denial's, not the input error's.
func TestAuditDenialOutranksAnInputError(t *testing.T) {
	dir := t.TempDir()
	pol := writeFile(t, dir, "policy.json", `{"default":[{"type":"reject"}]}`)
	out := filepath.Join(dir, "out.jsonl")
	pr, pw := io.Pipe()
	go func() {
		defer pw.Close()
		fmt.Fprintln(pw, "quay.io/x/denied:1")
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if data, _ := os.ReadFile(out); bytes.Contains(data, []byte(`"outcome":"denied"`)) {
				break
			}
		}
		fmt.Fprintln(pw, strings.Repeat("x", 70<<10)) // longer than a list line may be
	}()
	root := newRootCmd()
	var stdout, stderr bytes.Buffer
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	root.SetIn(pr)
	root.SetArgs([]string{"audit", "--policy", pol, "--images", "-", "--out", out})
	err := root.Execute()
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitRejected {
		t.Errorf("error %v, want exit %d", err, exitRejected)
	}
}

// TestAuditWarnsOfSkippedWorkloadFiles: a file simulate would skip (not
// regular) is named on standard error, not dropped silently.
func TestAuditWarnsOfSkippedWorkloadFiles(t *testing.T) {
	dir := t.TempDir()
	pol := writeFile(t, dir, "policy.json", `{"default":[{"type":"insecureAcceptAnything"}]}`)
	workloads := filepath.Join(dir, "deploy")
	if err := os.Mkdir(workloads, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, workloads, "pod.yaml", pod("p", "ns", "quay.io/x/b:1"))
	if err := os.Symlink("/dev/null", filepath.Join(workloads, "device.yaml")); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "", "audit", "--policy", pol, "--workload", workloads)
	if code != exitOK || !strings.Contains(errOut, "warning: ") || !strings.Contains(errOut, "device.yaml") {
		t.Errorf("exit %d, want 0 and a warning naming device.yaml: %s", code, errOut)
	}
}
