package audit

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/sigpolicy/sigpolicy/verify"
)

// textExamples is how many results of each cause the text summary shows.
const textExamples = 3

// Text writes, when the run ends, a summary grouped by cause: counts and
// the first results of each cause with their remedy. It keeps only those
// examples in memory.
type Text struct {
	w        io.Writer
	examples map[Cause][]Result
}

// NewText writes to w.
func NewText(w io.Writer) *Text { return &Text{w: w, examples: map[Cause][]Result{}} }

func (t *Text) Result(r Result) error {
	if r.Cause != "" && len(t.examples[r.Cause]) < textExamples {
		t.examples[r.Cause] = append(t.examples[r.Cause], r)
	}
	return nil
}

func (t *Text) Close(s *Summary) error {
	var b strings.Builder
	fmt.Fprintf(&b, "sigpolicy audit: %d image(s): %s", s.Images, outcomeCounts(s))
	if s.Shard.Count > 1 {
		fmt.Fprintf(&b, " (shard %s)", s.Shard)
	}
	if s.Resumed > 0 || s.Duplicates > 0 {
		fmt.Fprintf(&b, "; %d skipped as already decided, %d repeated in the input", s.Resumed, s.Duplicates)
	}
	b.WriteString("\n")
	for _, c := range causesByCount(s.Causes) {
		fmt.Fprintf(&b, "\n%s: %d image(s)\n", c, s.Causes[c])
		for _, r := range t.examples[c] {
			fmt.Fprintf(&b, "  %s %s\n", strings.ToUpper(r.Outcome), clean(r.Image))
			if r.From != "" {
				fmt.Fprintf(&b, "    from    %s\n", clean(r.From))
			}
			if r.Source != "" {
				fmt.Fprintf(&b, "    served  %s\n", clean(r.Source))
			}
			if r.Reason != "" {
				fmt.Fprintf(&b, "    reason  %s\n", clean(r.Reason))
			}
			for _, n := range r.Notes {
				fmt.Fprintf(&b, "    note    %s\n", clean(n))
			}
			fmt.Fprintf(&b, "    fix     %s\n", clean(r.Remedy))
		}
		if more := s.Causes[c] - len(t.examples[c]); more > 0 {
			fmt.Fprintf(&b, "  … and %d more\n", more)
		}
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

// outcomeCounts is "3 allowed, 1 denied", in a fixed order.
func outcomeCounts(s *Summary) string {
	order := []string{string(verify.OutcomeAllowed), string(verify.OutcomeDenied), string(verify.OutcomeUndecided),
		string(verify.OutcomeInvalidConfig), OutcomeInvalidReference}
	var parts []string
	for _, o := range order {
		if n := s.Outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// causesByCount orders causes by count, most frequent first, then in
// documentation order.
func causesByCount(counts map[Cause]int) []Cause {
	cs := slices.Collect(maps.Keys(counts))
	slices.SortFunc(cs, func(a, b Cause) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(slices.Index(Causes, a), slices.Index(Causes, b))
	})
	return cs
}
