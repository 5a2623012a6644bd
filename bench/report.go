package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// MediaType names the JSON form of a Report; it changes only when the
// schema (docs/bench.md) changes incompatibly.
const MediaType = "application/vnd.sigpolicy.bench.v2+json"

// Report is the result of Run.
type Report struct {
	MediaType string   `json:"mediaType"`
	Registry  string   `json:"registry"`
	Workload  Workload `json:"workload"`
	// Rounds is the number of interleaved rounds each side's work was split into.
	Rounds   int           `json:"rounds"`
	Duration time.Duration `json:"durationNs,omitempty"` // requested per side and concurrency; 0 for a number of decisions
	Runs     []Level       `json:"runs"`                 // one per concurrency, in the order asked
	// Mismatches counts the decisions, on any side, whose verdict is not
	// the catalogue's; MismatchSamples lists up to 10 distinct ones.
	Mismatches      int64      `json:"mismatches"`
	MismatchSamples []Mismatch `json:"mismatchSamples,omitempty"`
}

// Workload is what was decided: Pairs (image, policy file) combinations
// over Images catalogue entries and Policies policy files.
type Workload struct {
	Scenarios []string `json:"scenarios"`
	Images    int      `json:"images"`
	Policies  int      `json:"policies"`
	Pairs     int      `json:"pairs"`
}

// Level is every side measured at one concurrency.
type Level struct {
	Concurrency int     `json:"concurrency"`
	Sides       []Side  `json:"sides"`  // in AllSides order
	Ratios      []Ratio `json:"ratios"` // the ratioPairs whose sides both ran
}

// Side is one side's measurements at one concurrency, over all rounds.
// Allowed + Denied = Decisions, except for the floor, which decides nothing;
// Undecided (sigpolicy sides) is the part of Denied that could not be
// decided (registry failure, invalid configuration).
type Side struct {
	Name       string        `json:"name"`
	Decisions  int64         `json:"decisions"`
	Allowed    int64         `json:"allowed"`
	Denied     int64         `json:"denied"`
	Undecided  int64         `json:"undecided,omitempty"`
	Elapsed    time.Duration `json:"elapsedNs"` // wall-clock time of the side's rounds
	Throughput float64       `json:"decisionsPerSecond"`
	Latency    Latency       `json:"latency"`
	// RequestsPerDecision is the mean length of Decision.Requests;
	// NetworkRequestsPerDecision leaves out those answered from the
	// client's cache or by an identical request in flight. sigpolicy sides
	// only.
	RequestsPerDecision        float64 `json:"requestsPerDecision,omitempty"`
	NetworkRequestsPerDecision float64 `json:"networkRequestsPerDecision,omitempty"`
	// Distribution is the latency histogram (non-empty buckets).
	Distribution []Bucket `json:"distribution"`
}

// Latency summarises the decisions' wall-clock durations. Percentiles are
// exact to within 0.8 % (histogram buckets), never above Max.
type Latency struct {
	Min  time.Duration `json:"minNs"`
	Mean time.Duration `json:"meanNs"`
	P50  time.Duration `json:"p50Ns"`
	P90  time.Duration `json:"p90Ns"`
	P99  time.Duration `json:"p99Ns"`
	Max  time.Duration `json:"maxNs"`
}

// Ratio compares side Of with side To at one concurrency: latencies are
// Of's divided by To's (below 1: Of is faster), Throughput is Of's
// decisions per second divided by To's (above 1: Of is faster). The values
// are over the whole run; the ranges are the lowest and highest of the same
// ratio taken round by round (each round measures both sides within
// seconds of each other).
type Ratio struct {
	Of              string  `json:"of"`
	To              string  `json:"to"`
	P50             float64 `json:"p50"`
	P90             float64 `json:"p90"`
	P99             float64 `json:"p99"`
	Throughput      float64 `json:"throughput"`
	P50Range        Range   `json:"p50Range"`
	ThroughputRange Range   `json:"throughputRange"`
}

// Range is the lowest and highest of a ratio over the rounds.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// Mismatch is a decision whose verdict is not the catalogue's.
type Mismatch struct {
	Side     string           `json:"side"`
	Image    string           `json:"image"`
	Instance string           `json:"instance,omitempty"`
	Policy   string           `json:"policy"` // catalogue-relative policy file
	Expected fixtures.Verdict `json:"expected"`
	Got      fixtures.Verdict `json:"got"`
	Reason   string           `json:"reason,omitempty"`
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func ratio(of, to string, total map[string]*tally, perRound map[string][]*tally) Ratio {
	a, b := total[of].hist.latency(), total[to].hist.latency()
	r := Ratio{Of: of, To: to,
		P50:        div(float64(a.P50), float64(b.P50)),
		P90:        div(float64(a.P90), float64(b.P90)),
		P99:        div(float64(a.P99), float64(b.P99)),
		Throughput: div(total[of].throughput(), total[to].throughput()),
		P50Range:   Range{math.Inf(1), math.Inf(-1)}, ThroughputRange: Range{math.Inf(1), math.Inf(-1)},
	}
	for i := range perRound[of] {
		x, y := perRound[of][i], perRound[to][i]
		p := div(float64(x.hist.quantile(0.5)), float64(y.hist.quantile(0.5)))
		t := div(x.throughput(), y.throughput())
		r.P50Range = Range{min(r.P50Range.Min, p), max(r.P50Range.Max, p)}
		r.ThroughputRange = Range{min(r.ThroughputRange.Min, t), max(r.ThroughputRange.Max, t)}
	}
	return r
}

// Side returns the named side of the level, nil if it did not run.
func (l *Level) Side(name string) *Side {
	for i := range l.Sides {
		if l.Sides[i].Name == name {
			return &l.Sides[i]
		}
	}
	return nil
}

// Ratio returns the ratio of side of to side to, nil if not reported.
func (l *Level) Ratio(of, to string) *Ratio {
	for i := range l.Ratios {
		if l.Ratios[i].Of == of && l.Ratios[i].To == to {
			return &l.Ratios[i]
		}
	}
	return nil
}

// WriteJSON writes the report as an indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// sideTitles are the row labels of the text and HTML reports.
var sideTitles = map[string]string{
	SideEngine:  "sigpolicy engine",
	SideFresh:   "sigpolicy fresh",
	SideLibrary: "library",
	SideFloor:   "floor",
}

// summary is the report's first line.
func (r *Report) summary() string {
	amount := "one pass"
	switch {
	case r.Duration > 0:
		amount = fmt.Sprintf("%s per side", r.Duration)
	case len(r.Runs) > 0 && len(r.Runs[0].Sides) > 0:
		amount = fmt.Sprintf("%d decisions per side", r.Runs[0].Sides[0].Decisions)
	}
	rounds := "in one round"
	if r.Rounds > 1 {
		rounds = fmt.Sprintf("in %d interleaved rounds", r.Rounds)
	}
	return fmt.Sprintf("%s over %d image/policy pairs (%d images, %d policy files) on %s, %s",
		amount, r.Workload.Pairs, r.Workload.Images, r.Workload.Policies, r.Registry, rounds)
}

// WriteText writes the report as one table per concurrency with its
// ratios, then the mismatches.
func (r *Report) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "%s\n", r.summary())
	for _, l := range r.Runs {
		fmt.Fprintf(w, "\nconcurrency %d\n", l.Concurrency)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "\tdecisions\tallowed\tdenied\telapsed\tdecisions/s\tp50\tp90\tp99\tmax\trequests/decision")
		for _, s := range l.Sides {
			allowed, denied, requests := fmt.Sprint(s.Allowed), fmt.Sprint(s.Denied), "—"
			if s.Name == SideFloor {
				allowed, denied = "—", "—"
			}
			if s.RequestsPerDecision > 0 {
				requests = fmt.Sprintf("%.2f (%.2f on the wire)", s.RequestsPerDecision, s.NetworkRequestsPerDecision)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\n", sideTitles[s.Name], s.Decisions, allowed, denied,
				round(s.Elapsed), s.Throughput, round(s.Latency.P50), round(s.Latency.P90), round(s.Latency.P99), round(s.Latency.Max), requests)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if len(l.Ratios) > 0 {
			fmt.Fprintf(w, "\nratios (whole run [lowest–highest round])\n")
			tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\tp50\tp90\tp99\tthroughput")
			for _, q := range l.Ratios {
				fmt.Fprintf(tw, "%s / %s\t%.2f [%.2f–%.2f]\t%.2f\t%.2f\t%.2f× [%.2f–%.2f]\n", sideTitles[q.Of], sideTitles[q.To],
					q.P50, q.P50Range.Min, q.P50Range.Max, q.P90, q.P99, q.Throughput, q.ThroughputRange.Min, q.ThroughputRange.Max)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		for _, s := range l.Sides {
			if s.Undecided > 0 {
				fmt.Fprintf(w, "%d %s decisions could not be decided (registry failure or invalid configuration)\n", s.Undecided, sideTitles[s.Name])
			}
		}
	}
	if r.Mismatches == 0 {
		_, err := fmt.Fprintf(w, "\nevery verdict matches the catalogue (the library's verdicts)\n")
		return err
	}
	fmt.Fprintf(w, "\n%d decisions differ from the catalogue; %d of them:\n", r.Mismatches, len(r.MismatchSamples))
	for _, m := range r.MismatchSamples {
		image := m.Image
		if m.Instance != "" {
			image += " (instance " + m.Instance + ")"
		}
		// The reason is the library's or sigpolicy's wording of what a registry answered.
		fmt.Fprintf(w, "  %s: %s under %s: %s, expected %s", m.Side, safetext.String(image), safetext.String(m.Policy), m.Got, m.Expected)
		if m.Reason != "" {
			fmt.Fprintf(w, " (%s)", safetext.String(strings.TrimSpace(m.Reason)))
		}
		fmt.Fprintln(w)
	}
	return nil
}

// round keeps three significant figures or so, as people read latencies.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= 100*time.Microsecond:
		return d.Round(time.Microsecond)
	default:
		return d
	}
}
