package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inflightRegistry counts the manifest requests in flight at once; each is
// held for hold.
func inflightRegistry(t *testing.T, hold time.Duration) (*testRegistry, *atomic.Int64) {
	var cur, peak atomic.Int64
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/manifests/") && r.Method == http.MethodGet {
				n := cur.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(hold) // the registry's own latency
				defer cur.Add(-1)
			}
			next.ServeHTTP(w, r)
		})
	})
	return reg, &peak
}

func TestRegistryConcurrency(t *testing.T) {
	ctx := testContext(t)
	for _, tc := range []struct {
		desc  string
		opts  []Option
		check func(peak int64) bool
	}{
		{"bounded to 2", []Option{WithRegistryConcurrency(2)}, func(p int64) bool { return p >= 1 && p <= 2 }},
		{"unbounded", nil, func(p int64) bool { return p > 2 }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			reg, peak := inflightRegistry(t, 20*time.Millisecond)
			for i := range 8 {
				reg.pushImage(t, fmt.Sprintf("ns/app:v%d", i))
			}
			peak.Store(0)
			c := newTestClient(t, tc.opts...)
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					if _, err := c.Resolve(ctx, reg.ref(t, fmt.Sprintf("ns/app:v%d", i))); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if !tc.check(peak.Load()) {
				t.Errorf("peak of %d manifest requests in flight", peak.Load())
			}
		})
	}
}

func TestRegistryRate(t *testing.T) {
	ctx := testContext(t)
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t, WithRegistryRate(50))
	start := time.Now()
	for range 10 {
		if _, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1")); err != nil {
			t.Fatal(err)
		}
	}
	// The ping and ten GETs, at most one per 20ms: at least 200ms.
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("11 requests at 50/s took %v", d)
	}
}

func TestTooManyRequestsPausesTheHost(t *testing.T) {
	ctx := testContext(t)
	var mu sync.Mutex
	var refusedAt, nextAt time.Time
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/manifests/") && r.Method == http.MethodGet {
				mu.Lock()
				first := refusedAt.IsZero()
				if first {
					refusedAt = time.Now()
				} else if nextAt.IsZero() {
					nextAt = time.Now()
				}
				mu.Unlock()
				if first {
					w.Header().Set("Retry-After", "1")
					http.Error(w, `{"errors":[{"code":"TOOMANYREQUESTS"}]}`, http.StatusTooManyRequests)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	reg.pushImage(t, "ns/app:v1")
	reg.pushImage(t, "ns/other:v1")
	c := newTestClient(t, WithRegistryConcurrency(4), WithRetries(0))
	if _, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1")); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("first request: %v, want ErrUnavailable (429, no retries)", err)
	}
	// Another repository of the same host waits out the Retry-After.
	if _, err := c.Resolve(ctx, reg.ref(t, "ns/other:v1")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if gap := nextAt.Sub(refusedAt); gap < 900*time.Millisecond {
		t.Errorf("next request %v after the 429 with Retry-After: 1", gap)
	}
}

func TestHostLimitOptions(t *testing.T) {
	for _, opt := range []Option{WithRegistryConcurrency(0), WithRegistryRate(0), WithRegistryRate(-1)} {
		if _, err := New(opt); err == nil {
			t.Error("invalid limit accepted")
		}
	}
}
