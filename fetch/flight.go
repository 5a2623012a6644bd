package fetch

import (
	"context"
	"errors"
	"sync"
)

// group runs one call per key at a time and hands its result to every caller
// that asks for the same key meanwhile. Failures are never kept: a failed
// call is removed with CompareAndDelete (as go-containerregistry's puller
// does), and a waiter whose leader gave up because of the leader's own
// context tries again itself.
type group[V any] struct {
	calls sync.Map // string → *call[V]
}

type call[V any] struct {
	done chan struct{}
	val  V
	err  error
}

// do returns fn's result for key; shared is true when another caller's call
// produced it.
func (g *group[V]) do(ctx context.Context, key string, fn func() (V, error)) (v V, shared bool, err error) {
	for {
		c := &call[V]{done: make(chan struct{})}
		actual, loaded := g.calls.LoadOrStore(key, c)
		if !loaded {
			c.val, c.err = fn()
			g.calls.CompareAndDelete(key, c)
			close(c.done)
			return c.val, false, c.err
		}
		other := actual.(*call[V])
		select {
		case <-other.done:
		case <-ctx.Done():
			var zero V
			return zero, false, ctx.Err()
		}
		if other.err != nil && isContextError(other.err) && ctx.Err() == nil {
			continue // the leader's deadline, not ours
		}
		return other.val, true, other.err
	}
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
