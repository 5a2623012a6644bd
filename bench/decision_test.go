package bench

import (
	"context"
	"github.com/google/go-containerregistry/pkg/name"
	configv1 "github.com/openshift/api/config/v1"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/verify"
)

// roots are the scenarios measured: one allowed image per root of trust,
// each under its MatchRepository policy.
var roots = []string{"key-tagged", "key-rekor", "fulcio-rekor", "pki-intermediates-in-policy"}

type target struct {
	name, ref, policyFile string
	rendered              *rendered
	policy                *configv1.ClusterImagePolicy
}

var setup = sync.OnceValues(func() ([]target, error) {
	srv, err := fixtures.Serve(context.Background(), fixtures.Options{Scenarios: roots})
	if err != nil {
		return nil, err
	}
	cat := srv.Catalogue()
	dir, err := tempDir()
	if err != nil {
		return nil, err
	}
	if err := cat.Write(dir); err != nil {
		return nil, err
	}
	var out []target
	for _, root := range roots {
		for _, e := range cat.Entries {
			if e.Scenario != root || strings.Contains(e.Reference, "@") {
				continue
			}
			for _, x := range e.Expect {
				if x.MatchPolicy != "MatchRepository" || x.Verdict != fixtures.Allow {
					continue
				}
				file := filepath.Join(dir, x.Policy)
				r, err := render(file)
				if err != nil {
					return nil, err
				}
				out = append(out, target{name: root, ref: e.Reference, policyFile: file, rendered: r, policy: cat.Policies[x.Policy]})
			}
		}
	}
	return out, nil
})

func targets(b *testing.B) []target {
	b.Helper()
	ts, err := setup()
	if err != nil {
		b.Fatal(err)
	}
	if len(ts) != len(roots) {
		b.Fatalf("found %d allowed targets, want %d", len(ts), len(roots))
	}
	return ts
}

// BenchmarkDecision measures one allowed pull decision per root of trust:
//   - library: what CRI-O pays per pull — parse policy.json, open the image
//     through the docker transport, IsRunningImageAllowed;
//   - cosign: `cosign verify`'s check (cosign.VerifyImageSignatures, offline,
//     trust material parsed once outside the loop), where cosign has an
//     equivalent of the policy;
//   - cold: what `sigpolicy verify` pays per image — load and compile the
//     policy, a new registry client, Verify;
//   - warm: an embedded Engine reused across decisions (connections and
//     compiled trust kept, no decision cache).
func BenchmarkDecision(b *testing.B) {
	for _, tg := range targets(b) {
		b.Run(tg.name+"/library", func(b *testing.B) {
			for b.Loop() {
				ok, err := libref.Allowed(b.Context(), tg.rendered.policyJSON, tg.rendered.registriesD, tg.ref)
				if !ok {
					b.Fatal(err)
				}
			}
		})
		if opts := cosignOptions(b, tg.policy); opts != nil {
			b.Run(tg.name+"/cosign", func(b *testing.B) {
				ref, err := name.ParseReference(tg.ref)
				if err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if _, _, err := cosign.VerifyImageSignatures(b.Context(), ref, opts); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		b.Run(tg.name+"/cold", func(b *testing.B) {
			for b.Loop() {
				e, err := engineFor(tg.policyFile)
				if err != nil {
					b.Fatal(err)
				}
				mustAllow(b, e, tg.ref)
			}
		})
		b.Run(tg.name+"/warm", func(b *testing.B) {
			e, err := engineFor(tg.policyFile)
			if err != nil {
				b.Fatal(err)
			}
			mustAllow(b, e, tg.ref)
			for b.Loop() {
				mustAllow(b, e, tg.ref)
			}
		})
	}
}

// BenchmarkCacheHit measures a decision answered by the decision cache: a
// digest reference (nothing to re-resolve: its manifest is immutable and
// held by the registry client) whose verdict is cached.
func BenchmarkCacheHit(b *testing.B) {
	tg := targets(b)[0]
	e, err := engineFor(tg.policyFile, verify.WithCache(verify.NewMemoryCache(0)))
	if err != nil {
		b.Fatal(err)
	}
	d := mustAllow(b, e, tg.ref)
	byDigest := strings.SplitN(tg.ref, ":v", 2)[0] + "@" + d.Digest
	mustAllow(b, e, byDigest)
	b.ReportAllocs()
	for b.Loop() {
		d := mustAllow(b, e, byDigest)
		if !d.Cached {
			b.Fatal("decision not answered by the cache")
		}
		for _, r := range d.Requests {
			if !r.Cached {
				b.Fatalf("cache hit made a request: %s", r.URL)
			}
		}
	}
}

func mustAllow(b *testing.B, e *verify.Engine, ref string) *verify.Decision {
	d, err := e.Verify(b.Context(), ref)
	if err != nil {
		b.Fatal(err)
	}
	if !d.Allowed {
		b.Fatalf("%s denied: %s", ref, d.Reason)
	}
	return d
}
