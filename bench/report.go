package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

// MediaType names the JSON form of a Report; it changes only when the
// schema (docs/bench.md) changes incompatibly.
const MediaType = "application/vnd.sigpolicy.bench.v1+json"

// Report is the result of Run.
type Report struct {
	MediaType   string        `json:"mediaType"`
	Registry    string        `json:"registry"`
	Workload    Workload      `json:"workload"`
	Concurrency int           `json:"concurrency"`
	Duration    time.Duration `json:"durationNs,omitempty"` // requested per side; 0 for a number of decisions
	Sigpolicy   Side          `json:"sigpolicy"`
	Library     *Side         `json:"library,omitempty"`
	Ratio       *Ratio        `json:"ratio,omitempty"`
	// Mismatches counts the decisions, on either side, whose verdict is not
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

// Side is one implementation's measurements. Allowed + Denied = Decisions;
// Undecided (sigpolicy only) is the part of Denied that could not be
// decided (registry failure, invalid configuration).
type Side struct {
	Decisions  int64         `json:"decisions"`
	Allowed    int64         `json:"allowed"`
	Denied     int64         `json:"denied"`
	Undecided  int64         `json:"undecided,omitempty"`
	Elapsed    time.Duration `json:"elapsedNs"`
	Throughput float64       `json:"decisionsPerSecond"`
	Latency    Latency       `json:"latency"`
	// RequestsPerDecision is the mean length of Decision.Requests;
	// NetworkRequestsPerDecision leaves out those answered from the
	// client's cache or by an identical request in flight. sigpolicy only.
	RequestsPerDecision        float64 `json:"requestsPerDecision,omitempty"`
	NetworkRequestsPerDecision float64 `json:"networkRequestsPerDecision,omitempty"`
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

// Ratio compares sigpolicy with the library: latencies are sigpolicy's
// divided by the library's (below 1: sigpolicy is faster), Throughput is
// sigpolicy's decisions per second divided by the library's (above 1:
// sigpolicy is faster).
type Ratio struct {
	P50        float64 `json:"p50"`
	P90        float64 `json:"p90"`
	P99        float64 `json:"p99"`
	Max        float64 `json:"max"`
	Throughput float64 `json:"throughput"`
}

// Mismatch is a decision whose verdict is not the catalogue's.
type Mismatch struct {
	Side     string           `json:"side"` // SideSigpolicy or SideLibrary
	Image    string           `json:"image"`
	Instance string           `json:"instance,omitempty"`
	Policy   string           `json:"policy"` // catalogue-relative policy file
	Expected fixtures.Verdict `json:"expected"`
	Got      fixtures.Verdict `json:"got"`
	Reason   string           `json:"reason,omitempty"`
}

func ratio(s, lib Side) *Ratio {
	div := func(a, b float64) float64 {
		if b == 0 {
			return 0
		}
		return a / b
	}
	return &Ratio{
		P50:        div(float64(s.Latency.P50), float64(lib.Latency.P50)),
		P90:        div(float64(s.Latency.P90), float64(lib.Latency.P90)),
		P99:        div(float64(s.Latency.P99), float64(lib.Latency.P99)),
		Max:        div(float64(s.Latency.Max), float64(lib.Latency.Max)),
		Throughput: div(s.Throughput, lib.Throughput),
	}
}

// WriteJSON writes the report as an indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report as a table, then its mismatches.
func (r *Report) WriteText(w io.Writer) error {
	amount := fmt.Sprintf("%d decisions per side", r.Sigpolicy.Decisions)
	if r.Duration > 0 {
		amount = fmt.Sprintf("%s per side", r.Duration)
	}
	fmt.Fprintf(w, "%s over %d image/policy pairs (%d images, %d policy files) on %s, concurrency %d\n\n",
		amount, r.Workload.Pairs, r.Workload.Images, r.Workload.Policies, r.Registry, r.Concurrency)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tdecisions\tallowed\tdenied\telapsed\tdecisions/s\tp50\tp90\tp99\tmax\trequests/decision")
	row := func(name string, s Side, requests string) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\n", name, s.Decisions, s.Allowed, s.Denied,
			round(s.Elapsed), s.Throughput, round(s.Latency.P50), round(s.Latency.P90), round(s.Latency.P99), round(s.Latency.Max), requests)
	}
	row(SideSigpolicy, r.Sigpolicy, fmt.Sprintf("%.2f (%.2f on the wire)", r.Sigpolicy.RequestsPerDecision, r.Sigpolicy.NetworkRequestsPerDecision))
	if r.Library != nil {
		row(SideLibrary, *r.Library, "—")
		q := r.Ratio
		fmt.Fprintf(tw, "sigpolicy / library\t\t\t\t\t%.2f×\t%.2f\t%.2f\t%.2f\t%.2f\n", q.Throughput, q.P50, q.P90, q.P99, q.Max)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Sigpolicy.Undecided > 0 {
		fmt.Fprintf(w, "\n%d sigpolicy decisions could not be decided (registry failure or invalid configuration)\n", r.Sigpolicy.Undecided)
	}
	against := "the catalogue"
	if r.Library != nil {
		against = "the catalogue and the library"
	}
	if r.Mismatches == 0 {
		_, err := fmt.Fprintf(w, "\nevery verdict matches %s\n", against)
		return err
	}
	fmt.Fprintf(w, "\n%d decisions differ from the catalogue; %d of them:\n", r.Mismatches, len(r.MismatchSamples))
	for _, m := range r.MismatchSamples {
		image := m.Image
		if m.Instance != "" {
			image += " (instance " + m.Instance + ")"
		}
		fmt.Fprintf(w, "  %s: %s under %s: %s, expected %s", m.Side, image, m.Policy, m.Got, m.Expected)
		if m.Reason != "" {
			fmt.Fprintf(w, " (%s)", strings.TrimSpace(m.Reason))
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
