package bench

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	configv1 "github.com/openshift/api/config/v1"
	"github.com/sigstore/cosign/v2/pkg/cosign"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/verify"
)

// roots are the scenarios measured: one allowed image per root of trust,
// each under its MatchRepository policy.
var roots = []string{"key-tagged", "key-rekor", "fulcio-rekor", "pki-intermediates-in-policy"}

type target struct {
	name, ref string
	node      *libref.Node // the policy's node files, written once
	floor     *floorPlan
	policy    *configv1.ClusterImagePolicy
}

var (
	floorClient = newFloorClient(2)
	setup       = sync.OnceValues(func() ([]target, error) {
		srv, err := fixtures.Serve(context.Background(), fixtures.Options{Scenarios: roots})
		if err != nil {
			return nil, err
		}
		cat := srv.Catalogue()
		dir, err := tempDir()
		if err != nil {
			return nil, err
		}
		var out []target
		for _, root := range roots {
			for i := range cat.Entries {
				e := &cat.Entries[i]
				if e.Scenario != root || strings.Contains(e.Reference, "@") {
					continue
				}
				for _, x := range e.Expect {
					if x.MatchPolicy != "MatchRepository" || x.Verdict != fixtures.Allow {
						continue
					}
					node, err := writeNode(filepath.Join(dir, root), cat, x.Policy)
					if err != nil {
						return nil, err
					}
					f, err := fetchEntry(context.Background(), floorClient, e)
					if err != nil {
						return nil, err
					}
					p := cat.Policies[x.Policy]
					out = append(out, target{name: root, ref: e.Reference, node: node, floor: newFloorPlan(p.Spec.Policy.RootOfTrust, f), policy: p})
				}
			}
		}
		return out, nil
	})
)

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

// decide is one way of deciding a target.
type decide func(b *testing.B)

// sides returns, for tg, each side of `sigpolicy bench` as a Go benchmark
// body, plus cosign where it has an equivalent of the policy:
//   - library: what CRI-O pays per pull on a node whose files were written
//     once (libref.Node: read policy.json, open the image, decide);
//   - fresh: what `sigpolicy verify --root NODE IMAGE` pays per image —
//     build the engine from the same node files (new registry client, ping
//     included), Verify;
//   - engine: a long-lived Engine built once from the node files (compiled
//     trust and connections kept, no decision cache);
//   - floor: the same GETs on a bare HTTP client and the same public-key
//     operations (floor.go) for a repeat certificate (no chain: the same
//     certificate is decided at every iteration); floor-first-sight adds the
//     certificate chain, as for a certificate never seen, which is what
//     every fresh decision and every library decision sees;
//   - cosign: cosign.VerifyImageSignatures (`cosign verify`), offline, with
//     its trust material parsed once outside the loop.
func sides(b *testing.B, tg target) (names []string, bodies map[string]decide) {
	engine, err := rootEngine(tg.node.Root, nil)
	if err != nil {
		b.Fatal(err)
	}
	mustAllow(b, engine, tg.ref)
	bodies = map[string]decide{
		SideLibrary: func(b *testing.B) {
			if ok, err := tg.node.AllowedInstance(b.Context(), tg.ref, ""); !ok {
				b.Fatal(err)
			}
		},
		SideFresh: func(b *testing.B) {
			rt := http.DefaultTransport.(*http.Transport).Clone()
			defer rt.CloseIdleConnections()
			e, err := rootEngine(tg.node.Root, []fetch.Option{fetch.WithTransport(rt)})
			if err != nil {
				b.Fatal(err)
			}
			mustAllow(b, e, tg.ref)
		},
		SideEngine: func(b *testing.B) { mustAllow(b, engine, tg.ref) },
		SideFloor: func(b *testing.B) {
			if err := tg.floor.decide(b.Context(), floorClient, false); err != nil {
				b.Fatal(err)
			}
		},
	}
	names = []string{SideLibrary, SideFresh, SideEngine, SideFloor}
	if len(tg.floor.chain) > 0 {
		bodies[floorFirstSight] = func(b *testing.B) {
			if err := tg.floor.decide(b.Context(), floorClient, true); err != nil {
				b.Fatal(err)
			}
		}
		names = append(names, floorFirstSight)
	}
	if opts := cosignOptions(b, tg.policy); opts != nil {
		ref, err := name.ParseReference(tg.ref)
		if err != nil {
			b.Fatal(err)
		}
		bodies["cosign"] = func(b *testing.B) {
			if _, _, err := cosign.VerifyImageSignatures(b.Context(), ref, opts); err != nil {
				b.Fatal(err)
			}
		}
		names = append(names, "cosign")
	}
	return names, bodies
}

// BenchmarkDecision measures one allowed pull decision per root of trust on
// each side (see sides), one side after the other.
func BenchmarkDecision(b *testing.B) {
	for _, tg := range targets(b) {
		names, bodies := sides(b, tg)
		for _, n := range names {
			b.Run(tg.name+"/"+n, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					bodies[n](b)
				}
			})
		}
	}
}

// floorFirstSight names the floor with the certificate chain checked.
const floorFirstSight = "floor-first-sight"

// BenchmarkDecisionRatio runs every side once per iteration, in turn, so
// that load from other processes weighs on all alike, and reports each
// side's time per decision and the ratios docs/performance.md quotes:
// fresh/library (per-pull work), engine/library (the long-lived engine),
// the engine as a multiple of the floor, and the fresh decision and the
// library as multiples of the first-sight floor (each of their decisions
// sees the certificate for the first time).
func BenchmarkDecisionRatio(b *testing.B) {
	for _, tg := range targets(b) {
		b.Run(tg.name, func(b *testing.B) {
			names, bodies := sides(b, tg)
			spent := map[string]time.Duration{}
			for b.Loop() {
				for _, n := range names {
					start := time.Now()
					bodies[n](b)
					spent[n] += time.Since(start)
				}
			}
			per := func(n string) float64 { return float64(spent[n].Nanoseconds()) / float64(b.N) }
			for _, n := range names {
				b.ReportMetric(per(n), n+"-ns/op")
			}
			firstSight := SideFloor
			if _, ok := spent[floorFirstSight]; ok {
				firstSight = floorFirstSight
			}
			b.ReportMetric(per(SideFresh)/per(SideLibrary), "fresh/library")
			b.ReportMetric(per(SideEngine)/per(SideLibrary), "engine/library")
			b.ReportMetric(per(SideEngine)/per(SideFloor), "engine/floor")
			b.ReportMetric(per(SideFresh)/per(firstSight), "fresh/floor-first-sight")
			b.ReportMetric(per(SideLibrary)/per(firstSight), "library/floor-first-sight")
		})
	}
}

// BenchmarkCacheHit measures a decision answered by the decision cache: a
// digest reference (nothing to re-resolve: its manifest is immutable and
// held by the registry client) whose verdict is cached.
func BenchmarkCacheHit(b *testing.B) {
	tg := targets(b)[0]
	e, err := rootEngine(tg.node.Root, nil, verify.WithCache(verify.NewMemoryCache(0)))
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
