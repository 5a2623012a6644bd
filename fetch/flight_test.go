package fetch

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConcurrentCallersShareOneFetch: N callers asking for the same
// signatures and the same digest at once cause one request each on the wire.
func TestConcurrentCallersShareOneFetch(t *testing.T) {
	release := make(chan struct{})
	var arrived atomic.Int32
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && (isSigManifest(r) || isBlob(r)) {
				arrived.Add(1)
				<-release // hold the first request until every caller is waiting
			}
			next.ServeHTTP(w, r)
		})
	})
	d := reg.pushImage(t, "ns/app:v1")
	layers := reg.pushSignatures(t, "ns/app", d, "one", "two")
	c := newTestClient(t, WithCacheBytes(0))
	ctx := testContext(t)
	img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wg sync.WaitGroup
	results := make([][]Signature, n)
	errs := make([]error, n)
	traces := make([]Trace, n)
	for i := range n {
		wg.Go(func() { results[i], errs[i] = c.Signatures(WithTrace(ctx, &traces[i]), img) })
	}
	for arrived.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // let the other callers join the flight (microseconds of work each)
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || len(results[i]) != 2 || string(results[i][1].Payload) != "two" {
			t.Fatalf("caller %d: %v, %v", i, results[i], errs[i])
		}
	}
	if got := reg.count("/v2/ns/app/manifests/" + sigstoreAttachmentTag(d)); got != 1 {
		t.Errorf(".sig manifest fetched %d times, want 1", got)
	}
	for _, l := range layers {
		if got := reg.count("/v2/ns/app/blobs/" + l); got != 1 {
			t.Errorf("blob %s fetched %d times, want 1", l, got)
		}
	}
	shared := 0
	for i := range traces {
		for _, r := range traces[i].Requests() {
			if r.Shared {
				shared++
			}
		}
	}
	if shared != n-1 {
		t.Errorf("%d traces record a shared answer, want %d", shared, n-1)
	}
}

func TestGroupDoesNotKeepFailures(t *testing.T) {
	var g group[int]
	ctx := context.Background()
	boom := errors.New("boom")
	if _, _, err := g.do(ctx, "k", func() (int, error) { return 0, boom }); err != boom {
		t.Fatalf("err = %v", err)
	}
	v, shared, err := g.do(ctx, "k", func() (int, error) { return 7, nil })
	if v != 7 || shared || err != nil {
		t.Fatalf("second call = %v, %v, %v; want a fresh call", v, shared, err)
	}
}

func TestGroupWaiterRetriesAfterLeaderDeadline(t *testing.T) {
	var g group[int]
	leaderCtx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _, _ = g.do(leaderCtx, "k", func() (int, error) {
			close(started)
			<-leaderCtx.Done()
			return 0, leaderCtx.Err()
		})
	}()
	<-started
	result := make(chan int)
	go func() {
		v, _, err := g.do(context.Background(), "k", func() (int, error) { return 42, nil })
		if err != nil {
			v = -1
		}
		result <- v
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	<-done
	if v := <-result; v != 42 {
		t.Fatalf("waiter got %d, want its own call's 42 after the leader's cancellation", v)
	}
}
