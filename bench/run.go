package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/verify"
)

// Compare says what sigpolicy's decisions are measured against.
type Compare string

const (
	// CompareLibrary runs the same workload through the containers image
	// library (what CRI-O runs) after sigpolicy.
	CompareLibrary Compare = "library"
	// CompareNone measures sigpolicy alone; verdicts are still checked
	// against the catalogue.
	CompareNone Compare = "none"
)

// DefaultConcurrency is the number of decisions in flight when Options
// leaves it zero.
const DefaultConcurrency = 8

// Side names, as in Mismatch.Side and Progress.Side.
const (
	SideSigpolicy = "sigpolicy"
	SideLibrary   = "library"
)

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
	// Decisions is the number of decisions each side makes, cycling over the
	// workload; zero (with no Duration) is one pass.
	Decisions int
	// Duration, instead of Decisions, runs each side for this long.
	Duration time.Duration
	// Concurrency bounds the decisions in flight; default DefaultConcurrency.
	Concurrency int
	// Compare defaults to CompareLibrary.
	Compare Compare
	// Progress, when set, is called about once a second while a side runs
	// and once when it ends, from one goroutine.
	Progress func(Progress)
	// Timeout bounds each decision, on both sides (the library's client has
	// no deadline of its own); zero means none.
	Timeout time.Duration
}

// Progress is a side's advance.
type Progress struct {
	Side    string
	Done    int64
	Total   int64 // 0 when running for a Duration
	Elapsed time.Duration
}

func (o Options) withDefaults() (Options, error) {
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Compare == "" {
		o.Compare = CompareLibrary
	}
	switch {
	case o.Decisions < 0:
		return o, &OptionError{"Decisions", "≥ 0", o.Decisions}
	case o.Duration < 0:
		return o, &OptionError{"Duration", "≥ 0", o.Duration}
	case o.Decisions > 0 && o.Duration > 0:
		return o, &OptionError{"Decisions", "0 when Duration is set", o.Decisions}
	case o.Concurrency < 0:
		return o, &OptionError{"Concurrency", "≥ 1", o.Concurrency}
	case o.Timeout < 0:
		return o, &OptionError{"Timeout", "≥ 0", o.Timeout}
	case o.Compare != CompareLibrary && o.Compare != CompareNone:
		return o, &OptionError{"Compare", `"library" or "none"`, o.Compare}
	}
	return o, nil
}

// Run decides every entry of cat under every policy of its expectations
// with one compiled verify.Engine per policy file, then, with
// CompareLibrary, the same decisions through the containers image library,
// and checks every verdict against the catalogue. Engines are compiled and
// policies rendered before the clock starts; no decision cache is used.
func Run(ctx context.Context, cat *fixtures.Catalogue, opts Options) (*Report, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w, err := newWorkload(cat)
	if err != nil {
		return nil, err
	}
	defer w.close()
	total := int64(o.Decisions)
	if total == 0 && o.Duration == 0 {
		total = int64(len(w.items))
	}
	rep := &Report{
		MediaType: MediaType, Registry: cat.Registry,
		Workload:    Workload{Scenarios: []string{}, Images: len(cat.Entries), Policies: w.policies, Pairs: len(w.items)},
		Concurrency: o.Concurrency, Duration: o.Duration,
	}
	for _, s := range cat.Scenarios {
		rep.Workload.Scenarios = append(rep.Workload.Scenarios, s.Name)
	}
	check := &checker{}
	rep.Sigpolicy, err = w.run(ctx, SideSigpolicy, o, total, check, (*item).sigpolicy)
	if err != nil {
		return nil, err
	}
	if o.Compare == CompareLibrary {
		lib, err := w.run(ctx, SideLibrary, o, total, check, (*item).library)
		if err != nil {
			return nil, err
		}
		rep.Library, rep.Ratio = &lib, ratio(rep.Sigpolicy, lib)
	}
	rep.Mismatches, rep.MismatchSamples = check.count.Load(), check.samples
	return rep, nil
}

// run makes one side's decisions on o.Concurrency goroutines: total of them,
// or as many as fit in o.Duration.
func (w *workload) run(ctx context.Context, side string, o Options, total int64, check *checker, decide func(*item, context.Context) decided) (Side, error) {
	var (
		next, done atomic.Int64
		wg         sync.WaitGroup
		mu         sync.Mutex
		agg        tally
	)
	start := time.Now()
	deadline := start.Add(o.Duration)
	for range o.Concurrency {
		wg.Go(func() {
			var t tally
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if (o.Duration == 0 && i >= total) || (o.Duration > 0 && !time.Now().Before(deadline)) {
					break
				}
				it := &w.items[i%int64(len(w.items))]
				dctx, cancel := ctx, context.CancelFunc(func() {})
				if o.Timeout > 0 {
					dctx, cancel = context.WithTimeout(ctx, o.Timeout)
				}
				began := time.Now()
				d := decide(it, dctx)
				t.add(time.Since(began), d)
				cancel()
				check.verdict(side, it, d)
				done.Add(1)
			}
			mu.Lock()
			agg.merge(&t)
			mu.Unlock()
		})
	}
	stopProgress := startProgress(o.Progress, side, total, start, &done)
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	if err := ctx.Err(); err != nil {
		return Side{}, fmt.Errorf("bench: %s decisions interrupted: %w", side, err)
	}
	return agg.side(elapsed), nil
}

// startProgress calls report about once a second until the returned
// function is called, which reports the final count.
func startProgress(report func(Progress), side string, total int64, start time.Time, done *atomic.Int64) func() {
	if report == nil {
		return func() {}
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				report(Progress{Side: side, Done: done.Load(), Total: total, Elapsed: time.Since(start)})
			case <-stop:
				return
			}
		}
	}()
	return func() {
		close(stop)
		<-stopped
		report(Progress{Side: side, Done: done.Load(), Total: total, Elapsed: time.Since(start)})
	}
}

// tally is one worker's measurements of one side.
type tally struct {
	hist                      histogram
	allowed, undecided        int64
	requests, networkRequests int64
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
}

func (t *tally) side(elapsed time.Duration) Side {
	n := t.hist.n
	s := Side{Decisions: n, Allowed: t.allowed, Denied: n - t.allowed, Undecided: t.undecided, Elapsed: elapsed, Latency: t.hist.latency()}
	if elapsed > 0 {
		s.Throughput = float64(n) / elapsed.Seconds()
	}
	if n > 0 {
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
