package verify

import (
	"context"
	"sync"
	"time"
)

// BatchOptions bound a VerifyAll run.
type BatchOptions struct {
	// Concurrency is the number of decisions in flight (default 8).
	Concurrency int
	// Timeout is each decision's deadline (default: none beyond ctx).
	Timeout time.Duration
}

// Result is one image's outcome in a batch: a Decision, or the error that
// kept the image from being evaluated at all.
type Result struct {
	Image    string
	Decision *Decision
	Err      error
}

// VerifyAll decides every image with bounded concurrency and returns the
// results in input order. Identical concurrent fetches are shared by the
// fetcher, so repeated images cost one set of requests.
func (e *Engine) VerifyAll(ctx context.Context, images []string, opts BatchOptions) []Result {
	if ctx == nil {
		ctx = context.Background()
	}
	n := opts.Concurrency
	if n <= 0 {
		n = 8
	}
	results := make([]Result, len(images))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, image := range images {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c := ctx
			if opts.Timeout > 0 {
				var cancel context.CancelFunc
				c, cancel = context.WithTimeout(ctx, opts.Timeout)
				defer cancel()
			}
			d, err := e.Verify(c, image)
			results[i] = Result{Image: image, Decision: d, Err: err}
		}()
	}
	wg.Wait()
	return results
}
