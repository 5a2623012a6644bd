package audit

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/sigpolicy/sigpolicy/verify"
)

// Summary closes a run: what it read, what it wrote, and the counts. In
// JSON Lines it is the last line, {"summary": {...}}; merge checks shards
// against it.
type Summary struct {
	Shard Shard `json:"shard"`
	// Input fingerprints every reference read, whichever shard took it
	// (count-sum of hashes, independent of order): shards of one input
	// agree on it.
	Input string `json:"input"`
	// Read counts the references read (every shard's); Images the results
	// written by this run; Resumed those skipped as already decided;
	// Duplicates those skipped as repeated in the input.
	Read       int `json:"read"`
	Images     int `json:"images"`
	Resumed    int `json:"resumed"`
	Duplicates int `json:"duplicates"`
	// Outcomes and Causes count the results written; ResumedOutcomes the
	// outcomes of the Resumed images, as the earlier run wrote them.
	Outcomes        map[string]int `json:"outcomes"`
	ResumedOutcomes map[string]int `json:"resumedOutcomes,omitempty"`
	Causes          map[Cause]int  `json:"causes"`
	Started         time.Time      `json:"started"`
	Seconds         float64        `json:"seconds"`
}

func newSummary(s Shard) *Summary {
	return &Summary{Shard: s.normal(), Outcomes: map[string]int{}, Causes: map[Cause]int{}, Started: time.Now().UTC()}
}

// resumed counts an image an earlier run decided with outcome.
func (s *Summary) resumed(outcome string) {
	s.Resumed++
	if s.ResumedOutcomes == nil {
		s.ResumedOutcomes = map[string]int{}
	}
	s.ResumedOutcomes[outcome]++
}

func (s *Summary) add(r Result) {
	s.Images++
	s.Outcomes[r.Outcome]++
	if r.Cause != "" {
		s.Causes[r.Cause]++
	}
}

// ExitCode is the command's exit code for the results counted, those of an
// earlier run it resumed included: 1 if any image is denied; else 2 if any
// invalid configuration or reference; else 3 if any is undecided; else 0.
func (s *Summary) ExitCode() int {
	n := func(o string) int { return s.Outcomes[o] + s.ResumedOutcomes[o] }
	switch {
	case n(string(verify.OutcomeDenied)) > 0:
		return 1
	case n(string(verify.OutcomeInvalidConfig)) > 0 || n(OutcomeInvalidReference) > 0:
		return 2
	case n(string(verify.OutcomeUndecided)) > 0:
		return 3
	}
	return 0
}

// fingerprint is an order-independent digest of a multiset of strings.
type fingerprint struct{ n, a, b uint64 }

// add counts a string by its key: the first 16 bytes of its SHA-256.
func (f *fingerprint) add(k [16]byte) {
	f.n++
	f.a += binary.BigEndian.Uint64(k[:8])
	f.b += binary.BigEndian.Uint64(k[8:])
}

func (f fingerprint) String() string { return fmt.Sprintf("%d-%016x%016x", f.n, f.a, f.b) }
