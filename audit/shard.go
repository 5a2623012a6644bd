package audit

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is the part I (from 0) of N of the references a run takes; the
// zero value and 0/1 take them all.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

// ParseShard reads "I/N" with 0 <= I < N.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	index, err1 := strconv.Atoi(i)
	count, err2 := strconv.Atoi(n)
	if !ok || err1 != nil || err2 != nil || count < 1 || index < 0 || index >= count {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 0 <= I < N", s)
	}
	return Shard{Index: index, Count: count}, nil
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.normal().Count) }

func (s Shard) normal() Shard {
	if s.Count == 0 {
		return Shard{Index: 0, Count: 1}
	}
	return s
}

// Contains reports whether image belongs to the shard: the FNV-1a 64-bit
// hash of the reference string, modulo N, is I.
func (s Shard) Contains(image string) bool {
	s = s.normal()
	return ShardOf(image, s.Count) == s.Index
}

// ShardOf is the shard index of image among n.
func ShardOf(image string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(image)) //nolint:errcheck // hash writes never fail
	return int(h.Sum64() % uint64(n))
}
