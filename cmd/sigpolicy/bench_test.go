package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/bench"
	"github.com/sigpolicy/sigpolicy/fixtures"
)

func TestBenchCommand(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	runCases(t, []cliCase{
		{desc: "embedded registry, every side", args: []string{"bench", "--scenarios", "key-tagged,key-no-sig-tag", "--count", "2", "--decisions", "30", "--concurrency", "4"},
			wantOut: []string{"30 decisions per side over 24 image/policy pairs (6 images", "in 3 interleaved rounds", "sigpolicy fresh / library", "sigpolicy engine / floor",
				"every verdict matches the catalogue"},
			wantErr: []string{"deciding 6 images on the embedded registry", "library (concurrency 4, round 3/3): 10/10 decisions", "floor (concurrency 4, round 3/3): 10/10 decisions"}},
		{desc: "bulk images alone, pushed into a registry", args: []string{"bench", "--registry", srv.Addr(), "--count", "3", "--sides", "engine", "--rounds", "1"},
			wantOut: []string{"12 decisions per side over 12 image/policy pairs (3 images, 12 policy files) on " + srv.Addr(), "every verdict matches the catalogue"},
			absent:  []string{"\nlibrary ", "ratios", "interleaved"}},
		{desc: "for a duration, a concurrency sweep", args: []string{"bench", "--scenarios", "key-rekor", "--duration", "120ms", "--sides", "engine,floor", "--concurrency", "1,2"},
			wantOut: []string{"120ms per side over 8 image/policy pairs (2 images, 4 policy files)", "concurrency 1\n", "concurrency 2\n", "sigpolicy engine / floor"}},
		{desc: "hostile scenarios cannot be pushed", args: []string{"bench", "--registry", srv.Addr(), "--scenarios", "hostile-server-error"},
			wantCode: exitUsage, wantErr: []string{"needs the embedded registry"}},
		{desc: "unknown scenario", args: []string{"bench", "--scenarios", "nope"},
			wantCode: exitUsage, wantErr: []string{`unknown scenario "nope"`}},
		{desc: "unknown output", args: []string{"bench", "-o", "yaml"},
			wantCode: exitUsage, wantErr: []string{"--output must be text, json or html"}},
		{desc: "unknown side", args: []string{"bench", "--scenarios", "key-tagged", "--sides", "cosign"},
			wantCode: exitUsage, wantErr: []string{"Sides must be distinct names among engine, fresh, library, floor"}},
		{desc: "zero concurrency", args: []string{"bench", "--scenarios", "key-tagged", "--concurrency", "0"},
			wantCode: exitUsage, wantErr: []string{"Concurrency must be a list of distinct numbers ≥ 1"}},
		{desc: "zero rounds", args: []string{"bench", "--rounds", "0"},
			wantCode: exitUsage, wantErr: []string{"--rounds ≥ 1"}},
		{desc: "decisions and duration", args: []string{"bench", "--decisions", "5", "--duration", "1s"},
			wantCode: exitUsage, wantErr: []string{"exclude each other"}},
		{desc: "malformed registry", args: []string{"bench", "--registry", "a/b"},
			wantCode: exitUsage, wantErr: []string{"--registry must be HOST[:PORT]"}},
		{desc: "empty scenario list", args: []string{"bench", "--scenarios", ","},
			wantCode: exitUsage, wantErr: []string{"--scenarios is empty"}},
		{desc: "unexpected argument", args: []string{"bench", "image"}, wantCode: exitUsage},
		{desc: "unreachable registry", args: []string{"bench", "--registry", "127.0.0.1:1", "--scenarios", "key-tagged"},
			wantCode: exitUndecided, wantErr: []string{"127.0.0.1:1"}},
	})

	t.Run("a work directory that cannot be made is not an unreachable registry", func(t *testing.T) {
		t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
		_, errOut, code := run(t, "", "bench", "--scenarios", "key-tagged", "--decisions", "1")
		if code != exitUsage {
			t.Fatalf("exit %d, want %d: %s", code, exitUsage, errOut)
		}
	})

	t.Run("JSON report", func(t *testing.T) {
		out, errOut, code := run(t, "", "bench", "--scenarios", "key-rekor", "--duration", "200ms", "--concurrency", "2", "-o", "json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rep bench.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if rep.MediaType != bench.MediaType || len(rep.Runs) != 1 || len(rep.Runs[0].Sides) != len(bench.AllSides) ||
			rep.Mismatches != 0 || rep.Workload.Scenarios[0] != "key-rekor" {
			t.Fatalf("report: %s", out)
		}
		for _, s := range rep.Runs[0].Sides {
			if s.Decisions == 0 {
				t.Errorf("%s made no decision", s.Name)
			}
		}
	})

	t.Run("HTML report and SVG charts", func(t *testing.T) {
		charts := t.TempDir()
		out, errOut, code := run(t, "", "bench", "--scenarios", "key-tagged", "--decisions", "6", "--concurrency", "1,2", "-o", "html", "--charts", charts)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{"<!DOCTYPE html>", "<svg", "Throughput against concurrency", "Decision latency, concurrency 2", "sigpolicy fresh / library"} {
			if !strings.Contains(out, want) {
				t.Errorf("page lacks %q", want)
			}
		}
		for _, name := range []string{"throughput.svg", "latency-c1.svg", "latency-c2.svg"} {
			data, err := os.ReadFile(filepath.Join(charts, name))
			if err != nil || !bytes.HasPrefix(data, []byte("<svg")) {
				t.Errorf("%s: %v %.40q", name, err, data)
			}
		}
	})

	t.Run("--scenarios all adds the bulk images to the scenarios", func(t *testing.T) {
		out, errOut, code := run(t, "", "bench", "--scenarios", "all", "--count", "1", "--sides", "engine", "--rounds", "1", "-o", "json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rep bench.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(rep.Workload.Scenarios, "bulk-publickey") || !slices.Contains(rep.Workload.Scenarios, "key-tagged") ||
			slices.Contains(rep.Workload.Scenarios, "hostile-slow") {
			t.Errorf("scenarios decided: %v", rep.Workload.Scenarios)
		}
	})
}
