package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

func TestFixturesCommand(t *testing.T) {
	srv, err := fixtures.Serve(t.Context(), fixtures.Options{Scenarios: []string{"key-tagged"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := t.TempDir()
	runCases(t, []cliCase{
		{desc: "scenarios lists every scenario", args: []string{"fixtures", "scenarios"},
			wantOut: []string{"key-tagged", "fulcio-rekor", "pki-foreign-root", "hostile-redirect-loop", "conformance-valid"}},
		{desc: "push into a registry", args: []string{"fixtures", "push", "--registry", srv.Addr(), "--scenarios", "key-rekor,pki-root-issued", "--count", "3", "--out", out},
			wantErr: []string{"pushed 5/5", "wrote " + filepath.Join(out, "catalogue.json") + " (7 image references, 20 policies)"}},
		{desc: "push refuses embedded-only scenarios", args: []string{"fixtures", "push", "--registry", srv.Addr(), "--scenarios", "hostile-server-error", "--out", out},
			wantCode: exitUsage, wantErr: []string{"needs the embedded registry"}},
		{desc: "unknown scenario", args: []string{"fixtures", "push", "--registry", srv.Addr(), "--scenarios", "nope", "--out", out},
			wantCode: exitUsage, wantErr: []string{`unknown scenario "nope"`}},
		{desc: "push needs a registry", args: []string{"fixtures", "push"},
			wantCode: exitUsage, wantErr: []string{"--registry must be HOST[:PORT]"}},
		{desc: "negative count", args: []string{"fixtures", "push", "--registry", srv.Addr(), "--count", "-1"},
			wantCode: exitUsage, wantErr: []string{"--count must be ≥ 0"}},
		{desc: "unreachable registry", args: []string{"fixtures", "push", "--registry", "127.0.0.1:1", "--scenarios", "key-tagged", "--out", out},
			wantCode: exitUndecided, wantErr: []string{"127.0.0.1:1"}},
	})
	cat, err := fixtures.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if cat.Registry != srv.Addr() || !strings.HasPrefix(cat.Entries[0].Reference, srv.Addr()+"/scenarios/key-rekor") {
		t.Errorf("catalogue written for %s, first entry %s", cat.Registry, cat.Entries[0].Reference)
	}
}
