package simulate

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/verify"
)

// Options configure Run.
type Options struct {
	// Fetcher is the registry client every engine shares; it must follow the
	// compiled configuration's registries.conf. Default: a client built with
	// FetchOptions and that registries.conf.
	Fetcher *fetch.Client
	// FetchOptions configure the default Fetcher.
	FetchOptions []fetch.Option
	// EngineOptions are applied to every engine after the fetcher.
	EngineOptions []verify.Option
	// Concurrency bounds the decisions in flight, across every policy
	// file. Default 8.
	Concurrency int
	// Timeout is each decision's deadline. Default: none beyond ctx.
	Timeout time.Duration
}

func (o Options) withDefaults(compiled *cluster.Compiled) (Options, error) {
	if o.Concurrency < 0 {
		return o, fmt.Errorf("simulate: concurrency must be positive, got %d", o.Concurrency)
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.Fetcher == nil {
		opts := o.FetchOptions
		if conf := compiled.RegistriesConf(); conf != nil {
			opts = append(slices.Clip(opts), fetch.WithRegistriesConf(conf))
		}
		f, err := fetch.New(opts...)
		if err != nil {
			return o, err
		}
		o.Fetcher = f
	}
	return o, nil
}

// policyGroup is the containers decided under one policy file: a namespace
// with its own file, or every namespace that uses the cluster file
// (namespace "").
type policyGroup struct {
	namespace string
	images    []string // distinct, in first-seen order
}

// Run decides every container's pull in inv under the compiled cluster
// configuration, one engine per policy file. The error reports what kept
// the whole simulation from running: bad options or an engine that could
// not be built. Per-image failures are pulls with their outcome; so is a
// namespace policy file that cannot be read: as in CRI-O, it fails that
// namespace's pulls (invalid-configuration) and no other.
func Run(ctx context.Context, compiled *cluster.Compiled, inv *Inventory, opts Options) (*Report, error) {
	o, err := opts.withDefaults(compiled)
	if err != nil {
		return nil, err
	}
	groups, groupOf := groupByPolicyFile(inv, compiled)

	report := &Report{MediaType: ReportMediaType}
	var findings []policy.Finding
	if compiled.Rendered != nil {
		for _, w := range compiled.Rendered.Warnings {
			report.Warnings = append(report.Warnings, safetext.String(w))
		}
		findings = compiled.Rendered.Findings
	}
	engines := make([]*verify.Engine, len(groups)) // nil for a group in broken
	files := map[string]string{}                   // group key → policy file
	broken := map[string]string{}                  // group key → why its policy cannot be used
	for i, g := range groups {
		cfg, err := compiled.Node(g.namespace)
		if err != nil {
			broken[g.namespace] = safetext.String(fmt.Sprintf("%s: %v", groupName(g.namespace), err))
			continue
		}
		engine, err := verify.New(cfg, append([]verify.Option{verify.WithFetcher(o.Fetcher)}, o.EngineOptions...)...)
		if err != nil {
			return nil, fmt.Errorf("simulate: building the engine for %s: %w", groupName(g.namespace), err)
		}
		for _, cerr := range engine.ConfigErrors() {
			report.Warnings = append(report.Warnings, fmt.Sprintf("%s: %v", engine.PolicyFile(), cerr))
		}
		engines[i], files[g.namespace] = engine, engine.PolicyFile()
	}
	decided := map[string]map[string]verify.Result{} // group key → image → result
	for i, results := range decideGroups(ctx, groups, engines, o) {
		byImage := make(map[string]verify.Result, len(results))
		for _, r := range results {
			byImage[r.Image] = r
		}
		decided[groups[i].namespace] = byImage
		report.Summary.Decisions += len(results)
	}

	byNS := map[string]*NamespaceReport{}
	for _, c := range inv.Containers {
		g := groupOf(c.Workload.Namespace)
		ns := byNS[c.Workload.Namespace]
		if ns == nil {
			ns = &NamespaceReport{Namespace: c.Workload.Namespace, PolicyFile: files[g]}
			for _, f := range findings {
				if f.Namespace == ns.Namespace {
					ns.Findings = append(ns.Findings, findingOf(f))
				}
			}
			byNS[ns.Namespace] = ns
		}
		var p Pull
		if reason, ok := broken[g]; ok {
			p = Pull{Container: c, Outcome: verify.OutcomeInvalidConfig, Reason: reason}
		} else {
			p = pullOf(c, decided[g][c.Image])
		}
		report.Summary.add(p.Outcome)
		ns.Pulls = append(ns.Pulls, p)
	}
	for _, name := range slices.Sorted(maps.Keys(byNS)) {
		report.Namespaces = append(report.Namespaces, *byNS[name])
	}
	for _, n := range inv.Notes {
		report.Notes = append(report.Notes, n.String())
	}
	return report, nil
}

// decideGroups runs every group's VerifyAll at once, within one budget of
// o.Concurrency decisions in flight: a group takes as many slots as it has
// images, up to the whole budget, so many small namespaces proceed together
// and a large one does not starve the rest of the machine.
func decideGroups(ctx context.Context, groups []policyGroup, engines []*verify.Engine, o Options) [][]verify.Result {
	out := make([][]verify.Result, len(groups))
	budget := semaphore.NewWeighted(int64(o.Concurrency))
	var wg sync.WaitGroup
	for i, g := range groups {
		if engines[i] == nil {
			continue // its policy file is broken: no pull is decided
		}
		slots := int64(min(o.Concurrency, len(g.images)))
		if budget.Acquire(ctx, slots) != nil {
			slots = 0 // ctx is done: every decision ends at once on it
		}
		wg.Go(func() {
			defer budget.Release(slots)
			out[i] = engines[i].VerifyAll(ctx, g.images, verify.BatchOptions{Concurrency: max(int(slots), 1), Timeout: o.Timeout})
		})
	}
	wg.Wait()
	return out
}

// groupByPolicyFile groups the distinct images by the policy file CRI-O
// reads for their namespace; groupOf maps a namespace to its group's key.
func groupByPolicyFile(inv *Inventory, compiled *cluster.Compiled) ([]policyGroup, func(string) string) {
	groupOf := func(ns string) string {
		if compiled.HasOwnPolicy(ns) {
			return ns
		}
		return ""
	}
	var groups []policyGroup
	index := map[string]int{}
	seen := map[[2]string]bool{}
	for _, c := range inv.Containers {
		key := groupOf(c.Workload.Namespace)
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, policyGroup{namespace: key})
		}
		if !seen[[2]string{key, c.Image}] {
			seen[[2]string{key, c.Image}] = true
			groups[i].images = append(groups[i].images, c.Image)
		}
	}
	return groups, groupOf
}

func groupName(ns string) string {
	if ns == "" {
		return "the cluster policy"
	}
	return "namespace " + ns
}

func pullOf(c Container, r verify.Result) Pull {
	if r.Err != nil || r.Decision == nil {
		reason := "no decision"
		if r.Err != nil {
			reason = r.Err.Error()
		}
		return Pull{Container: c, Outcome: OutcomeError, Reason: reason}
	}
	return Pull{Container: c, Outcome: r.Decision.Outcome, Reason: r.Decision.Reason, Decision: r.Decision}
}
