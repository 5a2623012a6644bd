package bench

import (
	"cmp"
	"math/bits"
	"slices"
	"time"
)

// subBits is the number of mantissa bits each power of two is split by: a
// recorded latency is known to within 1/2^subBits (0.8 %).
const subBits = 7

// histogram counts latencies in log-linear buckets, as HdrHistogram does:
// constant memory whatever the number of decisions, bounded relative error.
// The zero value is ready; it is not safe for concurrent use (each worker
// keeps its own and they are merged).
type histogram struct {
	counts   map[int]int64
	n        int64
	sum, max time.Duration
	min      time.Duration
}

// bucket returns the bucket of a non-negative duration: values below
// 2^subBits ns have their own bucket, larger ones share one per 1/2^subBits
// of their power of two.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < 1<<subBits {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1
	return (shift+1)<<subBits + int(v>>shift) - 1<<subBits
}

// upper returns the largest duration in bucket b.
func upper(b int) time.Duration {
	if b < 1<<subBits {
		return time.Duration(b)
	}
	shift := b>>subBits - 1
	mantissa := uint64(b&(1<<subBits-1) + 1<<subBits)
	return time.Duration((mantissa+1)<<shift - 1)
}

func (h *histogram) record(d time.Duration) {
	if h.counts == nil {
		h.counts = map[int]int64{}
	}
	h.counts[bucket(d)]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if h.counts == nil {
		h.counts = map[int]int64{}
	}
	for b, c := range o.counts {
		h.counts[b] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the upper bound of the bucket holding the q-th fraction
// of the recorded latencies, never above the largest one recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	last := bucket(h.max)
	var seen int64
	for b := 0; b <= last; b++ {
		if seen += h.counts[b]; seen >= rank {
			return min(upper(b), h.max)
		}
	}
	return h.max
}

// latency summarises the histogram.
func (h *histogram) latency() Latency {
	if h.n == 0 {
		return Latency{}
	}
	return Latency{
		Min: h.min, Mean: h.sum / time.Duration(h.n),
		P50: h.quantile(0.50), P90: h.quantile(0.90), P99: h.quantile(0.99), Max: h.max,
	}
}

// Bucket is one non-empty histogram bucket: Count latencies at most UpperNs
// (and above the previous bucket's bound).
type Bucket struct {
	UpperNs int64 `json:"upperNs"`
	Count   int64 `json:"count"`
}

// buckets returns the non-empty buckets in increasing order; the last bound
// is the largest latency recorded.
func (h *histogram) buckets() []Bucket {
	out := make([]Bucket, 0, len(h.counts))
	for b, c := range h.counts {
		out = append(out, Bucket{UpperNs: int64(min(upper(b), h.max)), Count: c})
	}
	slices.SortFunc(out, func(a, b Bucket) int { return cmp.Compare(a.UpperNs, b.UpperNs) })
	return out
}
