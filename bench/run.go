package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/verify"
)

// Side names, as in Options.Sides, Side.Name, Mismatch.Side and Progress.Side.
const (
	// SideEngine is sigpolicy's long-lived engine: one compiled
	// verify.Engine per policy file, built from the node's files before the
	// clock starts, sharing one registry client (connections kept).
	SideEngine = "engine"
	// SideFresh is what one `sigpolicy verify --root NODE IMAGE` pays per
	// decision: build the Engine from the node's files, a new registry
	// client, decide once.
	SideFresh = "fresh"
	// SideLibrary is the containers image library as CRI-O runs it at every
	// pull (internal/libref): read the policy file, open the image, decide.
	SideLibrary = "library"
	// SideFloor is the least work of a decision (floor.go): the same GETs on
	// a bare HTTP client and the same public-key operations.
	SideFloor = "floor"
)

// AllSides lists every side, in the order they are reported.
var AllSides = []string{SideEngine, SideFresh, SideLibrary, SideFloor}

// DefaultConcurrency is the number of decisions in flight when Options
// leaves it empty.
const DefaultConcurrency = 8

// DefaultRounds is the number of interleaved rounds when Options leaves it zero.
const DefaultRounds = 3

// ErrEmptyWorkload is returned for a catalogue without entries.
var ErrEmptyWorkload = errors.New("bench: no image to decide")

// OptionError is an Options field with a value Run does not accept.
type OptionError struct {
	Field    string
	Expected string
	Got      any
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("bench: %s must be %s, got %v", e.Field, e.Expected, e.Got)
}

// Options configures Run.
type Options struct {
	// Decisions is the number of decisions each side makes at each
	// concurrency, cycling over the workload; zero (with no Duration) is one
	// pass.
	Decisions int
	// Duration, instead of Decisions, runs each side for this long at each
	// concurrency (split over the rounds).
	Duration time.Duration
	// Concurrency lists the numbers of decisions in flight to measure, in
	// order; default [DefaultConcurrency].
	Concurrency []int
	// Rounds splits each side's work at each concurrency into this many
	// interleaved rounds (engine, fresh, library, floor, then again, each
	// round starting with the next side), so that load from other processes
	// weighs on all sides alike and every ratio has a range; default
	// DefaultRounds, at most the number of decisions.
	Rounds int
	// Sides to run, a subset of AllSides; default all of them.
	Sides []string
	// Progress, when set, is called about once a second while a side runs
	// and once when its round ends, from one goroutine.
	Progress func(Progress)
	// Timeout bounds each decision, on both sides (the library's client has
	// no deadline of its own); zero means none.
	Timeout time.Duration
}

// Progress is a side's advance in one round.
type Progress struct {
	Side        string
	Concurrency int
	Round       int // from 1
	Rounds      int
	Done        int64
	Total       int64 // 0 when running for a Duration
	Elapsed     time.Duration
}

func (o Options) withDefaults() (Options, error) {
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{DefaultConcurrency}
	}
	if o.Rounds == 0 {
		o.Rounds = DefaultRounds
	}
	if len(o.Sides) == 0 {
		o.Sides = AllSides
	}
	switch {
	case o.Decisions < 0:
		return o, &OptionError{"Decisions", "≥ 0", o.Decisions}
	case o.Duration < 0:
		return o, &OptionError{"Duration", "≥ 0", o.Duration}
	case o.Decisions > 0 && o.Duration > 0:
		return o, &OptionError{"Decisions", "0 when Duration is set", o.Decisions}
	case o.Rounds < 0:
		return o, &OptionError{"Rounds", "≥ 1", o.Rounds}
	case o.Timeout < 0:
		return o, &OptionError{"Timeout", "≥ 0", o.Timeout}
	}
	for i, c := range o.Concurrency {
		if c < 1 || slices.Contains(o.Concurrency[:i], c) {
			return o, &OptionError{"Concurrency", "a list of distinct numbers ≥ 1", o.Concurrency}
		}
	}
	seen := map[string]bool{}
	for _, s := range o.Sides {
		if !slices.Contains(AllSides, s) || seen[s] {
			return o, &OptionError{"Sides", "distinct names among engine, fresh, library, floor", o.Sides}
		}
		seen[s] = true
	}
	// Report order, whatever the order asked.
	sides := make([]string, 0, len(o.Sides))
	for _, s := range AllSides {
		if seen[s] {
			sides = append(sides, s)
		}
	}
	o.Sides = sides
	return o, nil
}

// Run decides every entry of cat under every policy of its expectations on
// each side of opts, at each concurrency, in interleaved rounds, and checks
// every verdict against the catalogue. Node files, engines and floor plans
// are prepared before any clock starts; no decision cache is used.
func Run(ctx context.Context, cat *fixtures.Catalogue, opts Options) (*Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w, err := newWorkload(ctx, cat, o.Sides, slices.Max(o.Concurrency))
	if err != nil {
		return nil, err
	}
	defer w.close()
	perSide := int64(o.Decisions)
	if perSide == 0 && o.Duration == 0 {
		perSide = int64(len(w.items))
	}
	rounds := o.Rounds
	if perSide > 0 {
		rounds = int(min(int64(rounds), perSide))
	}
	rep := &Report{
		MediaType: MediaType, Registry: cat.Registry,
		Workload: Workload{Scenarios: []string{}, Images: len(cat.Entries), Policies: w.policies, Pairs: len(w.items)},
		Rounds:   rounds, Duration: o.Duration,
	}
	for _, s := range cat.Scenarios {
		rep.Workload.Scenarios = append(rep.Workload.Scenarios, s.Name)
	}
	check := &checker{}
	for _, c := range o.Concurrency {
		level, err := w.level(ctx, o, c, rounds, perSide, check)
		if err != nil {
			return nil, err
		}
		rep.Runs = append(rep.Runs, *level)
	}
	rep.Mismatches, rep.MismatchSamples = check.count.Load(), check.samples
	return rep, nil
}

// level measures every side at one concurrency.
func (w *workload) level(ctx context.Context, o Options, concurrency, rounds int, perSide int64, check *checker) (*Level, error) {
	decide := map[string]func(context.Context, *item) decided{
		SideEngine: w.engineDecision, SideFresh: w.freshDecision,
		SideLibrary: w.libraryDecision, SideFloor: w.floorDecision,
	}
	total := map[string]*tally{}
	perRound := map[string][]*tally{}
	cursor := map[string]int64{}
	for _, s := range o.Sides {
		total[s] = &tally{}
	}
	for r := range rounds {
		for i := range o.Sides {
			side := o.Sides[(r+i)%len(o.Sides)]
			n := perSide*int64(r+1)/int64(rounds) - perSide*int64(r)/int64(rounds)
			run := roundRun{side: side, concurrency: concurrency, round: r + 1, rounds: rounds, first: cursor[side], n: n, timeout: o.Timeout}
			if o.Duration > 0 {
				run.duration = o.Duration / time.Duration(rounds)
			}
			t, err := w.run(ctx, run, o.Progress, check, decide[side])
			if err != nil {
				return nil, err
			}
			cursor[side] += t.hist.n
			total[side].merge(t)
			perRound[side] = append(perRound[side], t)
		}
	}
	level := &Level{Concurrency: concurrency}
	for _, s := range o.Sides {
		level.Sides = append(level.Sides, total[s].side(s))
	}
	for _, p := range ratioPairs {
		if total[p[0]] == nil || total[p[1]] == nil {
			continue
		}
		level.Ratios = append(level.Ratios, ratio(p[0], p[1], total, perRound))
	}
	return level, nil
}

// ratioPairs are the comparisons reported, when both sides ran: per-pull
// work and the long-lived engine against the library, then every side as a
// multiple of the floor.
var ratioPairs = [][2]string{
	{SideFresh, SideLibrary}, {SideEngine, SideLibrary},
	{SideEngine, SideFloor}, {SideFresh, SideFloor}, {SideLibrary, SideFloor},
}

// roundRun is one side's share of one round.
type roundRun struct {
	side                       string
	concurrency, round, rounds int
	first, n                   int64 // items first … first+n-1 (cycling); n unused with duration
	duration                   time.Duration
	timeout                    time.Duration // each decision's, 0 for none
}

// run makes one side's decisions of one round on run.concurrency
// goroutines: run.n of them, or as many as fit in run.duration.
func (w *workload) run(ctx context.Context, run roundRun, progress func(Progress), check *checker, decide func(context.Context, *item) decided) (*tally, error) {
	var (
		next, done atomic.Int64
		wg         sync.WaitGroup
		mu         sync.Mutex
		agg        tally
	)
	start := time.Now()
	deadline := start.Add(run.duration)
	for range run.concurrency {
		wg.Go(func() {
			var t tally
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if (run.duration == 0 && i >= run.n) || (run.duration > 0 && !time.Now().Before(deadline)) {
					break
				}
				it := &w.items[(run.first+i)%int64(len(w.items))]
				dctx, cancel := ctx, context.CancelFunc(func() {})
				if run.timeout > 0 {
					dctx, cancel = context.WithTimeout(ctx, run.timeout)
				}
				began := time.Now()
				d := decide(dctx, it)
				t.add(time.Since(began), d)
				cancel()
				if d.verdict {
					check.verdict(run.side, it, d)
				}
				done.Add(1)
			}
			mu.Lock()
			agg.merge(&t)
			mu.Unlock()
		})
	}
	total := run.n
	if run.duration > 0 {
		total = 0
	}
	stopProgress := startProgress(progress, Progress{Side: run.side, Concurrency: run.concurrency, Round: run.round, Rounds: run.rounds, Total: total}, start, &done)
	wg.Wait()
	agg.elapsed = time.Since(start)
	stopProgress()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bench: %s decisions interrupted: %w", run.side, err)
	}
	return &agg, nil
}

// startProgress calls report about once a second until the returned
// function is called, which reports the final count.
func startProgress(report func(Progress), p Progress, start time.Time, done *atomic.Int64) func() {
	if report == nil {
		return func() {}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	now := func() Progress {
		p.Done, p.Elapsed = done.Load(), time.Since(start)
		return p
	}
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				report(now())
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		report(now())
	}
}

// tally is the measurements of one side (one worker, one round, or merged).
type tally struct {
	hist                      histogram
	allowed, undecided        int64
	requests, networkRequests int64
	elapsed                   time.Duration // wall-clock time of the rounds merged
}

func (t *tally) add(latency time.Duration, d decided) {
	t.hist.record(latency)
	if d.allowed {
		t.allowed++
	}
	if d.outcome == verify.OutcomeUndecided || d.outcome == verify.OutcomeInvalidConfig {
		t.undecided++
	}
	t.requests += int64(d.requests)
	t.networkRequests += int64(d.network)
}

func (t *tally) merge(o *tally) {
	t.hist.merge(&o.hist)
	t.allowed += o.allowed
	t.undecided += o.undecided
	t.requests += o.requests
	t.networkRequests += o.networkRequests
	t.elapsed += o.elapsed
}

func (t *tally) throughput() float64 {
	if t.elapsed <= 0 {
		return 0
	}
	return float64(t.hist.n) / t.elapsed.Seconds()
}

func (t *tally) side(name string) Side {
	n := t.hist.n
	s := Side{Name: name, Decisions: n, Elapsed: t.elapsed, Throughput: t.throughput(), Latency: t.hist.latency(),
		Distribution: t.hist.buckets()}
	if name != SideFloor {
		s.Allowed, s.Denied, s.Undecided = t.allowed, n-t.allowed, t.undecided
	}
	if n > 0 && (name == SideEngine || name == SideFresh) {
		s.RequestsPerDecision = float64(t.requests) / float64(n)
		s.NetworkRequestsPerDecision = float64(t.networkRequests) / float64(n)
	}
	return s
}

// maxSamples bounds the mismatches a Report lists.
const maxSamples = 10

// checker compares every verdict with the catalogue's. The catalogue's
// verdicts are the library's (the fixtures package's tests hold them to
// it), so a decision of either side that differs from the catalogue is also
// a disagreement between the two sides.
type checker struct {
	count   atomic.Int64
	mu      sync.Mutex
	samples []Mismatch
}

func (c *checker) verdict(side string, it *item, d decided) {
	got := fixtures.Deny
	if d.allowed {
		got = fixtures.Allow
	}
	if got == it.expect.Verdict {
		return
	}
	c.count.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	m := Mismatch{Side: side, Image: it.entry.Reference, Instance: it.entry.Instance, Policy: it.expect.Policy,
		Expected: it.expect.Verdict, Got: got, Reason: d.reason}
	for _, s := range c.samples {
		if s.Side == m.Side && s.Image == m.Image && s.Instance == m.Instance && s.Policy == m.Policy {
			return
		}
	}
	if len(c.samples) < maxSamples {
		c.samples = append(c.samples, m)
	}
}
