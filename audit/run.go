package audit

import (
	"context"
	"errors"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultConcurrency is the number of decisions in flight by default.
const DefaultConcurrency = 32

// Options tune a Run; the zero value is the default.
type Options struct {
	// Concurrency bounds the decisions in flight; default
	// DefaultConcurrency. Requests per registry are bounded by the
	// Decider's registry client.
	Concurrency int
	// Timeout is each decision's deadline; 0 means none beyond ctx.
	Timeout time.Duration
	// Shard selects the references of one shard; the zero value takes all.
	Shard Shard
	// Resume lists images decided by an earlier run: they are skipped.
	Resume *Resume
	// Progress, when set, is updated as the run goes (for a progress bar).
	Progress *Progress
}

// Progress counts a run's references as it goes; safe to read at any time.
type Progress struct {
	Read      atomic.Int64 // references read from the input
	Queued    atomic.Int64 // of them, taken by this run (shard, not duplicate, not resumed)
	Done      atomic.Int64 // of them, decided
	InputDone atomic.Bool  // the input is exhausted: Queued is final
}

// Writer receives the results of a run as they are decided, then its
// summary.
type Writer interface {
	Result(Result) error
	Close(*Summary) error
}

// Discarder is a Writer that holds resources (a spool file) until Close:
// Run discards it instead when the run fails.
type Discarder interface {
	Discard()
}

// Flusher is a Writer that buffers: Run flushes it whenever no other
// result is waiting, so results still appear as soon as they are decided
// but a busy run does not pay a write per result.
type Flusher interface {
	Flush() error
}

// ErrInput wraps an error reading the references.
var ErrInput = errors.New("reading the images to audit")

// Run decides every reference of refs that the shard takes, once each,
// with d, and writes each result to w as soon as it is decided; then it
// closes w with the summary. An error reading refs or writing to w stops
// the run: results written so far stay, the summary is not written (the
// output is recognisably incomplete) and the error is returned (reading
// errors wrap ErrInput) with the summary of the results written, so that a
// denial already found still decides the exit code.
func Run(ctx context.Context, d Decider, refs iter.Seq2[Ref, error], o Options, w Writer) (*Summary, error) {
	n := o.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	progress := o.Progress
	if progress == nil {
		progress = &Progress{}
	}
	sum := newSummary(o.Shard)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	jobs := make(chan Ref, n)
	results := make(chan Result, n)
	var input fingerprint
	go func() {
		defer close(jobs)
		defer progress.InputDone.Store(true)
		seen := map[[16]byte]struct{}{}
		for ref, err := range refs {
			if err != nil {
				cancel(errors.Join(ErrInput, err))
				return
			}
			ref.Image = strings.TrimSpace(ref.Image)
			k := key(ref.Image) // hashed once: fingerprint, duplicates and resume share it
			input.add(k)
			progress.Read.Add(1)
			if !o.Shard.Contains(ref.Image) {
				continue
			}
			if _, dup := seen[k]; dup {
				sum.Duplicates++
				continue
			}
			seen[k] = struct{}{}
			if outcome := o.Resume.outcome(k); outcome != "" {
				sum.resumed(outcome)
				continue
			}
			progress.Queued.Add(1)
			select {
			case jobs <- ref:
			case <-ctx.Done():
				return
			}
		}
	}()
	var workers sync.WaitGroup
	for range n {
		workers.Go(func() {
			for ref := range jobs {
				results <- decide(ctx, d, ref, o.Timeout)
			}
		})
	}
	go func() {
		workers.Wait()
		close(results)
	}()
	flusher, _ := w.(Flusher)
	for r := range results {
		if ctx.Err() != nil {
			continue // stopping: drain without writing
		}
		if err := w.Result(r); err != nil {
			cancel(err)
			continue
		}
		sum.add(r)
		progress.Done.Add(1)
		if flusher != nil && len(results) == 0 {
			if err := flusher.Flush(); err != nil {
				cancel(err)
			}
		}
	}
	sum.Read = int(progress.Read.Load())
	if err := context.Cause(ctx); err != nil {
		if dw, ok := w.(Discarder); ok {
			dw.Discard()
		}
		return sum, err
	}
	sum.Input = input.String()
	sum.Seconds = time.Since(sum.Started).Seconds()
	return sum, w.Close(sum)
}

func decide(ctx context.Context, d Decider, ref Ref, timeout time.Duration) Result {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	decision, err := d.Verify(ctx, ref.Image)
	return resultOf(ref, decision, err)
}
