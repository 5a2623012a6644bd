package main

import (
	"encoding/json"
	"slices"
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
		{desc: "embedded registry, compared with the library", args: []string{"bench", "--scenarios", "key-tagged,key-no-sig-tag", "--count", "2", "--decisions", "30", "--concurrency", "4"},
			wantOut: []string{"30 decisions per side over 24 image/policy pairs (6 images", "sigpolicy / library", "every verdict matches the catalogue and the library"},
			wantErr: []string{"deciding 6 images on the embedded registry", "library: 30/30 decisions"}},
		{desc: "bulk images alone, pushed into a registry", args: []string{"bench", "--registry", srv.Addr(), "--count", "3", "--compare", "none"},
			wantOut: []string{"12 decisions per side over 12 image/policy pairs (3 images, 12 policy files) on " + srv.Addr(), "every verdict matches the catalogue\n"},
			absent:  []string{"library"}},
		{desc: "for a duration", args: []string{"bench", "--scenarios", "key-rekor", "--duration", "100ms", "--compare", "none"},
			wantOut: []string{"100ms per side over 8 image/policy pairs (2 images, 4 policy files)"}},
		{desc: "hostile scenarios cannot be pushed", args: []string{"bench", "--registry", srv.Addr(), "--scenarios", "hostile-server-error"},
			wantCode: exitUsage, wantErr: []string{"needs the embedded registry"}},
		{desc: "unknown scenario", args: []string{"bench", "--scenarios", "nope"},
			wantCode: exitUsage, wantErr: []string{`unknown scenario "nope"`}},
		{desc: "unknown output", args: []string{"bench", "-o", "yaml"},
			wantCode: exitUsage, wantErr: []string{"--output must be text or json"}},
		{desc: "unknown comparison", args: []string{"bench", "--compare", "cosign"},
			wantCode: exitUsage, wantErr: []string{"--compare must be library or none"}},
		{desc: "zero concurrency", args: []string{"bench", "--concurrency", "0"},
			wantCode: exitUsage, wantErr: []string{"--concurrency ≥ 1"}},
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

	t.Run("JSON report", func(t *testing.T) {
		out, errOut, code := run(t, "", "bench", "--scenarios", "key-rekor", "--duration", "200ms", "--concurrency", "2", "-o", "json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var rep bench.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if rep.MediaType != bench.MediaType || rep.Library == nil || rep.Sigpolicy.Decisions == 0 || rep.Library.Decisions == 0 ||
			rep.Mismatches != 0 || rep.Workload.Scenarios[0] != "key-rekor" {
			t.Errorf("report: %s", out)
		}
	})

	t.Run("--scenarios all adds the bulk images to the scenarios", func(t *testing.T) {
		out, errOut, code := run(t, "", "bench", "--scenarios", "all", "--count", "1", "--compare", "none", "-o", "json")
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
