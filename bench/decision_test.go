package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
					out = append(out, target{name: root, ref: e.Reference, node: node, floor: newFloorPlan(p.Spec.Policy.RootOfTrust, f, map[string]*atomic.Bool{}), policy: p})
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

// BenchmarkCacheHit measures a decision answered by the decision cache,
// proven current against the registry, beside the floor measured in the
// same run on the same loopback registry: a bare HEAD (and GET) of the
// `.sig` manifest with a kept-alive net/http client.
//   - digest: a digest reference read from its own registry: one request
//     (the `.sig` manifest);
//   - tag: a tag reference: the tag and the `.sig` manifest, asked at once;
//   - stale: WithStaleCache, no request at all.
//
// cpu-ns/op is the process's CPU time (user + system, the in-process
// registry included) per decision or request.
func BenchmarkCacheHit(b *testing.B) {
	tg := targets(b)[0]
	load := func(opts ...verify.Option) *verify.Engine {
		e, err := rootEngine(tg.node.Root, nil, opts...)
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	e := load(verify.WithCache(verify.NewMemoryCache(0)))
	d := mustAllow(b, e, tg.ref)
	byDigest := strings.SplitN(tg.ref, ":v", 2)[0] + "@" + d.Digest
	mustAllow(b, e, byDigest)
	stale := load(verify.WithCache(verify.NewMemoryCache(0)), verify.WithStaleCache(verify.MaxStaleCache))
	mustAllow(b, stale, byDigest)

	hit := func(e *verify.Engine, ref string, requests int) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				d := mustAllow(b, e, ref)
				if !d.Cached || len(d.Requests) != requests {
					b.Fatalf("cached=%v with %d requests, want a cache hit with %d", d.Cached, len(d.Requests), requests)
				}
			}
			reportCPU(b, cpu)
		}
	}
	b.Run("digest", hit(e, byDigest, 1))
	b.Run("tag", hit(e, tg.ref, 2))
	b.Run("stale", hit(stale, byDigest, 0))

	host, repo, _ := strings.Cut(d.Attachments.Repository, "/")
	sigURL := "http://" + host + "/v2/" + repo + "/manifests/" + d.Attachments.Tag
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	bare := func(method string) func(b *testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			cpu := cpuTime()
			for b.Loop() {
				req, err := http.NewRequestWithContext(b.Context(), method, sigURL, nil)
				if err != nil {
					b.Fatal(err)
				}
				req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s %s: %s", method, sigURL, resp.Status)
				}
			}
			reportCPU(b, cpu)
		}
	}
	b.Run("floor/HEAD", bare(http.MethodHead))
	b.Run("floor/GET", bare(http.MethodGet))

	// The same hit and the same GET with the .sig manifest's answer replayed
	// from memory: no network, so each costs only its own CPU, and their
	// difference is what a hit adds to the request it makes.
	replay := &replaying{inner: http.DefaultTransport.(*http.Transport).Clone()}
	offline, err := rootEngine(tg.node.Root, []fetch.Option{fetch.WithTransport(replay)}, verify.WithCache(verify.NewMemoryCache(0)))
	if err != nil {
		b.Fatal(err)
	}
	mustAllow(b, offline, byDigest)
	replay.record(sigURL)
	mustAllow(b, offline, byDigest)
	b.Run("no-network/digest", hit(offline, byDigest, 1))
	client = &http.Client{Transport: replay}
	b.Run("no-network/GET", bare(http.MethodGet))
}

// replaying is a RoundTripper that, once record was called with a URL,
// answers GET and HEAD requests for it with the answer the next real GET
// of it received.
type replaying struct {
	inner http.RoundTripper
	mu    sync.Mutex
	url   string
	resp  *http.Response
	body  []byte
}

func (r *replaying) record(url string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.url = url
}

func (r *replaying) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	url, resp, body := r.url, r.resp, r.body
	r.mu.Unlock()
	if url == "" || req.URL.String() != url {
		return r.inner.RoundTrip(req)
	}
	if resp == nil {
		live, err := r.inner.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		defer live.Body.Close()
		if body, err = io.ReadAll(live.Body); err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.resp, r.body = live, body
		r.mu.Unlock()
		resp = live
	}
	out := *resp
	out.Request = req
	out.Body = io.NopCloser(bytes.NewReader(body))
	return &out, nil
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per iteration since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
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
