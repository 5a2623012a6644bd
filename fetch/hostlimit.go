package fetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Host-level limits: at most n requests in flight to each registry host,
// at most r requests per second to it, and a pause of every request to a
// host that answered 429 (or 503) with Retry-After, for as long as it
// asked. The limits apply to every request the Client sends (pings and
// token exchanges included), below the retries.

// maxHostPause bounds how long one Retry-After pauses a host.
const maxHostPause = 5 * time.Minute

// defaultHostPause is the pause after a 429 without Retry-After.
const defaultHostPause = time.Second

// WithRegistryConcurrency bounds the requests in flight to each registry
// host (host:port) across all callers of the Client; a request waits for a
// free slot, within its context. Default: unbounded. Setting it (or
// WithRegistryRate) also makes every request to a host that answered 429,
// or 503 with Retry-After, wait until the time it asked for (at most 5
// minutes; 1s for a 429 without Retry-After).
func WithRegistryConcurrency(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("registry concurrency %d: must be positive", n)
		}
		o.hostConcurrency = n
		return nil
	}
}

// WithRegistryRate bounds the requests sent to each registry host to
// perSecond, evenly spaced. Default: unbounded.
func WithRegistryRate(perSecond float64) Option {
	return func(o *options) error {
		if perSecond <= 0 || perSecond > 1e6 {
			return fmt.Errorf("registry rate %v: must be above 0 and at most 1e6 requests per second", perSecond)
		}
		o.hostRate = perSecond
		return nil
	}
}

// hostLimiter holds each host's slots, rate and pause.
type hostLimiter struct {
	slots    int
	interval time.Duration // between two requests to a host; 0: unlimited
	mu       sync.Mutex
	hosts    map[string]*hostState
}

type hostState struct {
	slots chan struct{} // nil when unbounded
	mu    sync.Mutex
	next  time.Time // earliest start of the next request (rate and pause)
}

func newHostLimiter(slots int, perSecond float64) *hostLimiter {
	if slots <= 0 && perSecond <= 0 {
		return nil
	}
	l := &hostLimiter{slots: slots, hosts: map[string]*hostState{}}
	if perSecond > 0 {
		l.interval = time.Duration(float64(time.Second) / perSecond)
	}
	return l
}

func (l *hostLimiter) host(h string) *hostState {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.hosts[h]
	if !ok {
		st = &hostState{}
		if l.slots > 0 {
			st.slots = make(chan struct{}, l.slots)
		}
		l.hosts[h] = st
	}
	return st
}

// acquire waits for a slot and for the host's next start time; the
// returned release frees the slot (once).
func (l *hostLimiter) acquire(ctx context.Context, st *hostState) (release func(), err error) {
	if st.slots != nil {
		select {
		case st.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if st.slots != nil {
				<-st.slots
			}
		})
	}
	st.mu.Lock()
	now := time.Now()
	start := now
	if st.next.After(now) {
		start = st.next
	}
	if l.interval > 0 {
		st.next = start.Add(l.interval)
	}
	st.mu.Unlock()
	if wait := start.Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

// pause delays every later request to the host until d from now.
func (st *hostState) pause(d time.Duration) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if until := time.Now().Add(min(d, maxHostPause)); until.After(st.next) {
		st.next = until
	}
}

// limited is a RoundTripper under a hostLimiter.
type limited struct {
	next    http.RoundTripper
	limiter *hostLimiter
}

func (t limited) RoundTrip(req *http.Request) (*http.Response, error) {
	st := t.limiter.host(req.URL.Host)
	release, err := t.limiter.acquire(req.Context(), st)
	if err != nil {
		return nil, err
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		release()
		return nil, err
	}
	if after := parseRetryAfter(resp.Header.Get("Retry-After")); resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode == http.StatusServiceUnavailable && after > 0) {
		if after == 0 {
			after = defaultHostPause
		}
		st.pause(after)
	}
	// The slot is held until the body is closed or read to its end, or the
	// request's context ends (a caller that drops a response unread).
	stop := context.AfterFunc(req.Context(), release)
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { stop(); release() }}
	return resp, nil
}

func (t limited) CloseIdleConnections() {
	if ic, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		ic.CloseIdleConnections()
	}
}

type releasingBody struct {
	io.ReadCloser
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.release()
	}
	return n, err
}

func (b *releasingBody) Close() error {
	b.release()
	return b.ReadCloser.Close()
}
