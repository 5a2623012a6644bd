package fetch

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// retryable is a failed attempt that may succeed if repeated; after is the
// server's Retry-After, or 0.
type retryable struct {
	err   *Error
	after time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// withRetries runs attempt until it succeeds, fails for good, the retries
// are spent or ctx ends. Each attempt gets its own request timeout and its
// number in the context (for the trace). The returned error is the last
// attempt's, unwrapped from retryable.
func (c *Client) withRetries(ctx context.Context, attempt func(ctx context.Context) error) error {
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(withAttempt(ctx, n), c.opts.requestTimeout)
		err := attempt(actx)
		cancel()
		r, ok := err.(*retryable)
		if !ok {
			return err
		}
		if ctx.Err() != nil {
			return &Error{Kind: ErrUnavailable, Op: r.err.Op, URL: r.err.URL, Err: ctx.Err()}
		}
		wait := backoff(n, r.after)
		if n > c.opts.retries || wait > maxRetryAfter {
			return r.err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return r.err // waiting would only run into the caller's deadline
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &Error{Kind: ErrUnavailable, Op: r.err.Op, URL: r.err.URL, Err: ctx.Err()}
		}
	}
}

// backoff is the wait before attempt n+1: the server's Retry-After when it
// gave one, else doubling from backoffBase up to backoffMax.
func backoff(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return retryAfter
	}
	d := backoffBase << (n - 1)
	if d > backoffMax || d <= 0 {
		return backoffMax
	}
	return d
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date; 0 if absent or invalid.
func parseRetryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		if s < 0 {
			return 0
		}
		if s > 86400 { // beyond any retry budget; also keeps the multiplication from overflowing
			s = 86400
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
