package fetch

import (
	"context"
	"sync"
	"time"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// Request is one HTTP exchange as seen on the wire, or a request that was
// answered without one (Cached, Shared). URL and Err are escaped and capped
// (package safetext): a redirect target or a transport error may carry what
// a registry sent.
type Request struct {
	Method   string        `json:"method"`
	URL      string        `json:"url"`
	Status   int           `json:"status"`           // 0 when no response arrived
	Bytes    int64         `json:"bytes"`            // body bytes read
	Duration time.Duration `json:"durationNs"`       // from sending to the body being closed
	Attempt  int           `json:"attempt"`          // 1 for the first try, 2 for the first retry, ...
	Err      string        `json:"error,omitempty"`  // transport error, if any
	Cached   bool          `json:"cached,omitempty"` // served from the Client's digest cache
	Shared   bool          `json:"shared,omitempty"` // answered by an identical concurrent request
}

// Stage is the time one step (resolve, signatures) took.
type Stage struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"durationNs"`
}

// Trace collects the requests and stages of the calls made with a context
// from WithTrace. It is safe for concurrent use; the zero value is ready.
type Trace struct {
	mu       sync.Mutex
	requests []Request
	stages   []Stage
	warnings []string
}

// Requests returns a copy of the requests recorded so far, in start order.
func (t *Trace) Requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Request(nil), t.requests...)
}

// Stages returns a copy of the stages recorded so far, in completion order.
func (t *Trace) Stages() []Stage {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Stage(nil), t.stages...)
}

// Warnings returns the warnings recorded so far: registry answers that did
// not change the outcome but deserve attention (a Docker-Content-Digest
// header disagreeing with the body, say).
func (t *Trace) Warnings() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.warnings...)
}

// start records a request and returns its index for finish.
func (t *Trace) start(r Request) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests = append(t.requests, r)
	return len(t.requests) - 1
}

// finish updates the request recorded at index i.
func (t *Trace) finish(i int, update func(*Request)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	update(&t.requests[i])
}

func (t *Trace) stage(name string, since time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stages = append(t.stages, Stage{Name: name, Duration: time.Since(since)})
}

type traceKey struct{}
type attemptKey struct{}

// WithTrace returns a context under which every request made by a Client is
// recorded into t.
func WithTrace(ctx context.Context, t *Trace) context.Context {
	return context.WithValue(ctx, traceKey{}, t)
}

// traceFrom returns the Trace of ctx, or nil.
func traceFrom(ctx context.Context) *Trace {
	t, _ := ctx.Value(traceKey{}).(*Trace)
	return t
}

func withAttempt(ctx context.Context, n int) context.Context {
	return context.WithValue(ctx, attemptKey{}, n)
}

func attemptFrom(ctx context.Context) int {
	if n, ok := ctx.Value(attemptKey{}).(int); ok {
		return n
	}
	return 1
}

// recordStage records the duration of a stage begun at since, if ctx carries a Trace.
func recordStage(ctx context.Context, name string, since time.Time) {
	if t := traceFrom(ctx); t != nil {
		t.stage(name, since)
	}
}

// recordLocal records a request answered without the network (cache or a concurrent twin).
func recordLocal(ctx context.Context, r Request) {
	if t := traceFrom(ctx); t != nil {
		t.start(r)
	}
}

// recordWarning records a warning, if ctx carries a Trace.
func recordWarning(ctx context.Context, w string) {
	if t := traceFrom(ctx); t != nil {
		t.mu.Lock()
		t.warnings = append(t.warnings, safetext.String(w))
		t.mu.Unlock()
	}
}
