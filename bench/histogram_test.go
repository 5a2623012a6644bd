package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	for _, tc := range []struct {
		desc string
		gen  func(r *rand.Rand) time.Duration
	}{
		{"sub-microsecond", func(r *rand.Rand) time.Duration { return time.Duration(r.IntN(1000)) }},
		{"milliseconds", func(r *rand.Rand) time.Duration {
			return time.Millisecond + time.Duration(r.IntN(int(5*time.Millisecond)))
		}},
		{"long tail", func(r *rand.Rand) time.Duration { return time.Duration(r.ExpFloat64() * float64(time.Millisecond)) }},
		{"seconds", func(r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(30 * time.Second))) }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var a, b histogram
			exact := make([]time.Duration, 5000)
			for i := range exact {
				exact[i] = tc.gen(r)
				if i%2 == 0 {
					a.record(exact[i])
				} else {
					b.record(exact[i])
				}
			}
			a.merge(&b)
			slices.Sort(exact)
			if a.n != int64(len(exact)) || a.max != exact[len(exact)-1] || a.min != exact[0] {
				t.Fatalf("n=%d min=%v max=%v, want %d %v %v", a.n, a.min, a.max, len(exact), exact[0], exact[len(exact)-1])
			}
			for _, q := range []float64{0.5, 0.9, 0.99, 1} {
				want := exact[max(int(q*float64(len(exact))+0.5), 1)-1]
				got := a.quantile(q)
				if got < want || float64(got-want) > float64(want)/(1<<subBits)+1 {
					t.Errorf("q%.2f = %v, exact %v: beyond the bucket's 1/%d", q, got, want, 1<<subBits)
				}
			}
		})
	}
}

func TestBucketBounds(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 127, 128, 255, 256, 257, 1000, 999_999, time.Second, time.Hour} {
		b := bucket(d)
		if up := upper(b); up < d || (b > 0 && upper(b-1) >= d) {
			t.Errorf("%v: bucket %d spans (%v, %v]", d, b, upper(b-1), up)
		}
	}
}
