package simulate

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/verify"
)

// ErrInvalidPolicy is returned by Run when the policy resources do not
// validate or the MCO would refuse to render them.
var ErrInvalidPolicy = errors.New("invalid policy resources")

// Options configure Run.
type Options struct {
	// Resources are the ClusterImagePolicy and ImagePolicy files or
	// directories (required). Standard input ("-") is refused: each policy
	// file's engine reads the resources again.
	Resources []string
	// Fetcher is the registry client every engine shares. Default:
	// fetch.New() with its defaults.
	Fetcher *fetch.Client
	// EngineOptions are applied to every engine after the fetcher.
	EngineOptions []verify.Option
	// Concurrency bounds the decisions in flight, across every policy
	// file. Default 8.
	Concurrency int
	// Timeout is each decision's deadline. Default: none beyond ctx.
	Timeout time.Duration
}

func (o Options) withDefaults() (Options, error) {
	if len(o.Resources) == 0 {
		return o, errors.New("simulate: no policy resources given")
	}
	if slices.Contains(o.Resources, "-") {
		return o, errors.New(`simulate: policy resources cannot be read from standard input ("-"); name files or directories`)
	}
	if o.Concurrency < 0 {
		return o, fmt.Errorf("simulate: concurrency must be positive, got %d", o.Concurrency)
	}
	if o.Concurrency == 0 {
		o.Concurrency = 8
	}
	if o.Fetcher == nil {
		f, err := fetch.New()
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

// Run decides every container's pull in inv under the policy resources.
// The error reports what kept the whole simulation from running: bad
// options, unreadable or invalid resources (ErrInvalidPolicy), an engine
// that could not be built. Per-image failures are pulls with their outcome.
func Run(ctx context.Context, inv *Inventory, opts Options) (*Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	rendered, err := render(o.Resources)
	if err != nil {
		return nil, err
	}
	groups, groupOf := groupByPolicyFile(inv, rendered)

	report := &Report{MediaType: ReportMediaType, Warnings: slices.Clone(rendered.Warnings)}
	engines := make([]*verify.Engine, len(groups))
	files := map[string]string{} // group key → policy file
	for i, g := range groups {
		engine, err := verify.Load(verify.Source{Resources: o.Resources, Namespace: g.namespace}, nil,
			append([]verify.Option{verify.WithFetcher(o.Fetcher)}, o.EngineOptions...)...)
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
		ns := byNS[c.Workload.Namespace]
		if ns == nil {
			g := groupOf(c.Workload.Namespace)
			ns = &NamespaceReport{Namespace: c.Workload.Namespace, PolicyFile: files[g]}
			for _, f := range rendered.Findings {
				if f.Namespace == ns.Namespace {
					ns.Findings = append(ns.Findings, findingOf(f))
				}
			}
			byNS[ns.Namespace] = ns
		}
		p := pullOf(c, decided[groupOf(c.Workload.Namespace)][c.Image])
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

// render loads, validates and renders the resources once, for the
// namespaces' policy files and the MCO findings.
func render(paths []string) (*policy.Rendered, error) {
	set, err := policy.Load(paths...)
	if err != nil {
		return nil, err
	}
	if errs := set.Validate(); len(errs) > 0 {
		joined := make([]error, len(errs))
		for i, e := range errs {
			joined[i] = e
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, errors.Join(joined...))
	}
	rendered, err := policy.Render(set, policy.RenderOptions{})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	return rendered, nil
}

// groupByPolicyFile groups the distinct images by the policy file CRI-O
// reads for their namespace; groupOf maps a namespace to its group's key.
func groupByPolicyFile(inv *Inventory, rendered *policy.Rendered) ([]policyGroup, func(string) string) {
	groupOf := func(ns string) string {
		if _, ok := rendered.NamespacePolicies[ns]; ok {
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
