package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/verify"
)

// item is one pull decision of the workload: an image under one policy.
type item struct {
	entry  *fixtures.Entry
	expect fixtures.Expectation
	engine *verify.Engine
	lib    *rendered
}

// rendered is a policy file as the MCO renders it, what the library reads.
type rendered struct {
	policyJSON  []byte
	registriesD map[string][]byte
}

// workload is every entry of a catalogue under every one of its policies,
// with the engines and rendered files compiled once.
type workload struct {
	items    []item
	policies int
	fetchers []*fetch.Client
}

// newWorkload writes cat into a temporary directory, compiles one Engine per
// policy file (and platform, for manifest-list instances) sharing one
// registry client per platform (fetch's defaults otherwise), and renders
// each policy file for the library. The directory is removed before it
// returns: engines and rendered files hold everything they need.
func newWorkload(cat *fixtures.Catalogue) (*workload, error) {
	if len(cat.Entries) == 0 {
		return nil, ErrEmptyWorkload
	}
	dir, err := os.MkdirTemp("", "sigpolicy-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := cat.Write(dir); err != nil {
		return nil, err
	}
	w := &workload{}
	fetchers := map[string]*fetch.Client{}
	type engineKey struct{ policy, platform string }
	engines := map[engineKey]*verify.Engine{}
	libs := map[string]*rendered{}
	for i := range cat.Entries {
		e := &cat.Entries[i]
		platform := cmp.Or(e.Platform, fetch.DefaultPlatform)
		f := fetchers[platform]
		if f == nil {
			if f, err = fetch.New(fetch.WithPlatform(platform)); err != nil {
				return nil, err
			}
			fetchers[platform] = f
			w.fetchers = append(w.fetchers, f)
		}
		for _, x := range e.Expect {
			file := filepath.Join(dir, filepath.FromSlash(x.Policy))
			k := engineKey{x.Policy, platform}
			if engines[k] == nil {
				eng, err := engineFor(file, verify.WithFetcher(f))
				if err != nil {
					return nil, fmt.Errorf("bench: %s: %w", x.Policy, err)
				}
				engines[k] = eng
			}
			if libs[x.Policy] == nil {
				r, err := render(file)
				if err != nil {
					return nil, fmt.Errorf("bench: %s: %w", x.Policy, err)
				}
				libs[x.Policy] = r
			}
			w.items = append(w.items, item{entry: e, expect: x, engine: engines[k], lib: libs[x.Policy]})
		}
	}
	w.policies = len(libs)
	return w, nil
}

// engineFor compiles a policy resources file and builds its cluster-wide engine.
func engineFor(file string, opts ...verify.Option) (*verify.Engine, error) {
	compiled, err := cluster.Load(cluster.Source{Objects: []string{file}})
	if err != nil {
		return nil, err
	}
	cfg, err := compiled.Node("")
	if err != nil {
		return nil, err
	}
	return verify.New(cfg, opts...)
}

func render(file string) (*rendered, error) {
	set, err := policy.Load(file)
	if err != nil {
		return nil, err
	}
	r, err := policy.Render(set, policy.RenderOptions{})
	if err != nil {
		return nil, err
	}
	return &rendered{policyJSON: r.PolicyJSON, registriesD: map[string][]byte{"sigstore-registries.yaml": r.RegistriesD}}, nil
}

// close drops the registry clients' idle connections.
func (w *workload) close() {
	for _, f := range w.fetchers {
		f.CloseIdleConnections()
	}
}

// decided is the outcome of one decision on either side.
type decided struct {
	allowed  bool
	reason   string
	outcome  verify.Outcome // sigpolicy only; empty when Verify failed
	requests int            // sigpolicy only: Decision.Requests
	network  int            // sigpolicy only: requests that went on the wire
}

// sigpolicy decides it with the item's Engine.
func (it *item) sigpolicy(ctx context.Context) decided {
	d, err := it.engine.Verify(ctx, it.entry.Reference)
	if err != nil {
		return decided{reason: err.Error()}
	}
	out := decided{allowed: d.Allowed, reason: d.Reason, outcome: d.Outcome, requests: len(d.Requests)}
	for _, r := range d.Requests {
		if !r.Cached && !r.Shared {
			out.network++
		}
	}
	return out
}

// library decides it with the containers image library, as CRI-O does at
// every pull: parse policy.json, open the image, IsRunningImageAllowed.
func (it *item) library(ctx context.Context) decided {
	ok, err := libref.AllowedInstance(ctx, it.lib.policyJSON, it.lib.registriesD, it.entry.Reference, digest.Digest(it.entry.Instance))
	out := decided{allowed: ok}
	if err != nil {
		out.reason = err.Error()
	}
	return out
}
