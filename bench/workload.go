package bench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/opencontainers/go-digest"
	"sigs.k8s.io/yaml"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/verify"
)

// item is one pull decision of the workload: an image under one policy.
type item struct {
	entry    *fixtures.Entry
	expect   fixtures.Expectation
	platform string
	node     *libref.Node   // the policy file rendered onto a node, written once
	engine   *verify.Engine // long-lived, built from node
	floor    *floorPlan     // nil unless the floor side runs
}

// workload is every entry of a catalogue under every one of its policies,
// with the node files written, the engines compiled and the floor planned
// once, before any clock starts.
type workload struct {
	dir         string // holds the nodes; removed by close
	items       []item
	policies    int
	fetchers    []*fetch.Client
	floorClient *http.Client
}

// newWorkload writes, for each policy file of cat, the node files the MCO
// would render from it (policy.json, registries.d, registries.conf) into a
// temporary directory, compiles one long-lived Engine per policy file (and
// platform, for manifest-list instances) from those files, sharing one
// registry client per platform, and reads every entry once (planning its
// floor when the floor side runs). The directory lives until close: the fresh and library
// sides read the files at every decision.
func newWorkload(ctx context.Context, cat *fixtures.Catalogue, sides []string, maxConcurrency int) (_ *workload, err error) {
	if len(cat.Entries) == 0 {
		return nil, ErrEmptyWorkload
	}
	dir, err := os.MkdirTemp("", "sigpolicy-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	w := &workload{dir: dir}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	withEngine, withFloor := slices.Contains(sides, SideEngine), slices.Contains(sides, SideFloor)
	w.floorClient = newFloorClient(maxConcurrency)
	fetchers := map[string]*fetch.Client{}
	type engineKey struct{ policy, platform string }
	engines := map[engineKey]*verify.Engine{}
	nodes := map[string]*libref.Node{}
	fetchedEntries := map[*fixtures.Entry]*fetched{}
	chains := map[string]*atomic.Bool{} // the floor plans' shared chain flags
	// Pass k decides image i under its policy (i+k) mod n: decisions in
	// flight at once are about different images, as on a node, rather than
	// about one image under each policy, and any prefix of the workload
	// (what a side decides in a --duration) mixes the policies alike.
	for k := range maxExpectations(cat) {
		for i := range cat.Entries {
			e := &cat.Entries[i]
			if k >= len(e.Expect) {
				continue
			}
			x := e.Expect[(i+k)%len(e.Expect)]
			platform := cmp.Or(e.Platform, fetch.DefaultPlatform)
			n := nodes[x.Policy]
			if n == nil {
				if n, err = writeNode(dir, cat, x.Policy); err != nil {
					return nil, err
				}
				nodes[x.Policy] = n
			}
			it := item{entry: e, expect: x, platform: platform, node: n}
			if withEngine {
				ek := engineKey{x.Policy, platform}
				if engines[ek] == nil {
					f := fetchers[platform]
					if f == nil {
						if f, err = fetch.New(fetch.WithPlatform(platform)); err != nil {
							return nil, err
						}
						fetchers[platform] = f
						w.fetchers = append(w.fetchers, f)
					}
					if engines[ek], err = rootEngine(n.Root, nil, verify.WithFetcher(f)); err != nil {
						return nil, fmt.Errorf("bench: %s: %w", x.Policy, err)
					}
				}
				it.engine = engines[ek]
			}
			// Every image is read once before any clock starts (the floor
			// is planned from that read): a registry that makes images on
			// request (fixtures' bulk images) has them ready for every side.
			f, read := fetchedEntries[e]
			if !read {
				// A registry that fails (hostile scenarios) leaves the GETs
				// made until then: the floor makes them too.
				f, _ = fetchEntry(ctx, w.floorClient, e)
				if f == nil || !withFloor {
					f = nil
				}
				fetchedEntries[e] = f
			}
			if withFloor {
				p := cat.Policies[x.Policy]
				if p == nil {
					return nil, fmt.Errorf("bench: policy file %s is not in the catalogue", x.Policy)
				}
				it.floor = &floorPlan{chainChecked: new(atomic.Bool)}
				if f != nil {
					it.floor = newFloorPlan(p.Spec.Policy.RootOfTrust, f, chains)
				}
			}
			w.items = append(w.items, it)
		}
	}
	w.policies = len(nodes)
	return w, nil
}

// maxExpectations is the largest number of policies an entry is decided under.
func maxExpectations(cat *fixtures.Catalogue) int {
	n := 0
	for _, e := range cat.Entries {
		n = max(n, len(e.Expect))
	}
	return n
}

// writeNode renders the policy file as the MCO does and writes its node
// files under dir/<policy file name>.
func writeNode(dir string, cat *fixtures.Catalogue, policyFile string) (*libref.Node, error) {
	obj := cat.Policies[policyFile]
	if obj == nil {
		return nil, fmt.Errorf("bench: policy file %s is not in the catalogue", policyFile)
	}
	data, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", policyFile, err)
	}
	set, err := policy.LoadReader(policyFile, bytes.NewReader(data), policy.LoadOptions{})
	if err != nil {
		return nil, err
	}
	r, err := policy.Render(set, policy.RenderOptions{})
	if err != nil {
		return nil, fmt.Errorf("bench: %s: %w", policyFile, err)
	}
	root := filepath.Join(dir, strings.TrimSuffix(filepath.Base(policyFile), filepath.Ext(policyFile)))
	return libref.WriteNode(root, libref.Inputs{PolicyJSON: r.PolicyJSON, RegistriesD: map[string][]byte{"sigstore-registries.yaml": r.RegistriesD}, RegistriesConf: r.RegistriesConf})
}

// close drops the registry clients' idle connections and removes the nodes.
func (w *workload) close() {
	for _, f := range w.fetchers {
		f.CloseIdleConnections()
	}
	if w.floorClient != nil {
		w.floorClient.CloseIdleConnections()
	}
	os.RemoveAll(w.dir)
}

// decided is the outcome of one decision on any side.
type decided struct {
	allowed  bool
	reason   string
	outcome  verify.Outcome // sigpolicy sides only; empty when Verify failed
	requests int            // sigpolicy sides only: Decision.Requests
	network  int            // sigpolicy sides only: requests that went on the wire
	verdict  bool           // false for the floor, which decides nothing
}

func fromDecision(d *verify.Decision, err error) decided {
	if err != nil {
		return decided{reason: err.Error(), verdict: true}
	}
	out := decided{allowed: d.Allowed, reason: d.Reason, outcome: d.Outcome, requests: len(d.Requests), verdict: true}
	for _, r := range d.Requests {
		if !r.Cached && !r.Shared {
			out.network++
		}
	}
	return out
}

// engineDecision decides it with the item's long-lived Engine.
func (w *workload) engineDecision(ctx context.Context, it *item) decided {
	return fromDecision(it.engine.Verify(ctx, it.entry.Reference))
}

// freshDecision is what one `sigpolicy verify --root NODE IMAGE` process
// pays for its decision: build the Engine from the node's files (policy,
// registries.d, registries.conf; a new registry client with its own
// connections, closed afterwards as the process exit closes them), decide
// once.
func (w *workload) freshDecision(ctx context.Context, it *item) decided {
	rt := http.DefaultTransport.(*http.Transport).Clone()
	defer rt.CloseIdleConnections()
	e, err := rootEngine(it.node.Root, []fetch.Option{fetch.WithPlatform(it.platform), fetch.WithTransport(rt)})
	if err != nil {
		return decided{reason: err.Error(), verdict: true}
	}
	return fromDecision(e.Verify(ctx, it.entry.Reference))
}

// libraryDecision decides it with the containers image library, as CRI-O
// does at every pull (libref.Node).
func (w *workload) libraryDecision(ctx context.Context, it *item) decided {
	ok, err := it.node.AllowedInstance(ctx, it.entry.Reference, digest.Digest(it.entry.Instance))
	out := decided{allowed: ok, verdict: true}
	if err != nil {
		out.reason = err.Error()
	}
	return out
}

// floorDecision performs the item's floor plan, checking a certificate
// chain the first time the floor sees it.
func (w *workload) floorDecision(ctx context.Context, it *item) decided {
	if err := it.floor.decide(ctx, w.floorClient, !it.floor.chainChecked.Swap(true)); err != nil {
		return decided{reason: err.Error()}
	}
	return decided{}
}

// rootEngine builds the cluster-wide engine of a node root, as
// "sigpolicy verify --root" does: read and compile the node's files, then a
// registry client with fetchOpts (and the node's registries.conf).
func rootEngine(root string, fetchOpts []fetch.Option, opts ...verify.Option) (*verify.Engine, error) {
	compiled, err := cluster.FromRoot(root)
	if err != nil {
		return nil, err
	}
	cfg, err := compiled.Node("")
	if err != nil {
		return nil, err
	}
	if len(fetchOpts) > 0 {
		opts = append([]verify.Option{verify.WithFetchOptions(fetchOpts...)}, opts...)
	}
	return verify.New(cfg, opts...)
}
