package verify_test

import (
	"cmp"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/fixtures/hostile"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/verify"
)

// TestDifferentialAgainstLibrary decides every fixture image under every
// signedIdentity match policy twice, with the containers image library
// (through its docker transport) and with sigpolicy (through the same path
// as `sigpolicy verify -f`), on the same registry, the same rendered
// policy.json and the same registries.d, and requires the same verdict, the
// catalogue's verdict, and the library's wording in sigpolicy's reason.
func TestDifferentialAgainstLibrary(t *testing.T) {
	ctx := t.Context()
	srv, err := fixtures.Serve(ctx, fixtures.Options{Hostile: hostile.Config{SlowDelay: 20 * time.Millisecond, RetryAfter: -1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	runDifferential(ctx, t, srv.Catalogue())
}

func runDifferential(ctx context.Context, t *testing.T, cat *fixtures.Catalogue) {
	dir := t.TempDir()
	if err := cat.Write(dir); err != nil {
		t.Fatal(err)
	}
	// One registry client per platform for every engine, as a long-lived
	// embedder would share it; retries off so the 429/500 scenarios end
	// quickly.
	fetchers := map[string]*fetch.Client{}
	for _, e := range cat.Entries {
		platform := cmp.Or(e.Platform, "linux/amd64")
		if fetchers[platform] != nil {
			continue
		}
		f, err := fetch.New(fetch.WithRetries(0), fetch.WithRequestTimeout(5*time.Second), fetch.WithPlatform(platform))
		if err != nil {
			t.Fatal(err)
		}
		fetchers[platform] = f
	}
	for _, e := range cat.Entries {
		fetcher := fetchers[cmp.Or(e.Platform, "linux/amd64")]
		for _, x := range e.Expect {
			name := e.Scenario + "/" + strings.TrimPrefix(e.Reference, cat.Registry+"/") + "/" + string(x.MatchPolicy)
			if e.Platform != "" {
				name += "/" + e.Platform
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				policyFile := filepath.Join(dir, x.Policy)
				compiled, err := cluster.Load(cluster.Source{Objects: []string{policyFile}})
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := compiled.Node("")
				if err != nil {
					t.Fatal(err)
				}
				engine, err := verify.New(cfg, verify.WithFetcher(fetcher))
				if err != nil {
					t.Fatal(err)
				}
				decision, err := engine.Verify(ctx, e.Reference)
				if err != nil {
					t.Fatal(err)
				}

				rendered := compiled.Rendered
				regD := map[string][]byte{"sigstore-registries.yaml": rendered.RegistriesD}
				libAllowed, libErr := libref.AllowedInstance(ctx, rendered.PolicyJSON, regD, e.Reference, digest.Digest(e.Instance))

				if decision.Allowed != libAllowed {
					t.Fatalf("sigpolicy allowed=%v (%s: %s); library allowed=%v (%v)", decision.Allowed, decision.Outcome, decision.Reason, libAllowed, libErr)
				}
				if want := x.Verdict == fixtures.Allow; decision.Allowed != want {
					t.Fatalf("sigpolicy allowed=%v (%s), catalogue says %s", decision.Allowed, decision.Reason, x.Verdict)
				}
				if e.Instance != "" && decision.Digest != e.Instance {
					t.Errorf("verified digest %s, want the %s instance %s", decision.Digest, e.Platform, e.Instance)
				}
				// Signature and policy reasons use the library's words;
				// registry failures are sigpolicy's own (documented in
				// docs/divergences.md), so only their verdict is compared.
				if !decision.Allowed && x.LibraryMessage != "" && !registryFailure(decision) && !strings.Contains(decision.Reason, x.LibraryMessage) {
					t.Errorf("reason %q lacks the library's wording %q (library: %v)", decision.Reason, x.LibraryMessage, libErr)
				}
			})
		}
	}
}

func registryFailure(d *verify.Decision) bool {
	last := d.Requirements[len(d.Requirements)-1]
	return last.Code == verify.ReasonRegistryAnswer || last.Code == verify.ReasonRegistryUnavailable
}
