package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

// testScenarios cover every root of trust, a denial, and a manifest list
// (whose per-platform instances are decided with their own platform).
var testScenarios = []string{"key-tagged", "key-no-sig-tag", "fulcio-rekor", "pki-intermediates-in-policy", "list-per-platform"}

func TestRun(t *testing.T) {
	fx, err := Prepare(t.Context(), Selection{Scenarios: testScenarios, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer fx.Close()
	cat := fx.Catalogue
	const decisions = 60
	rep, err := Run(t.Context(), cat, Options{Decisions: decisions, Concurrency: []int{1, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Mismatches != 0 {
		t.Fatalf("%d mismatches: %+v", rep.Mismatches, rep.MismatchSamples)
	}
	pairs := 0
	for _, e := range cat.Entries {
		pairs += len(e.Expect)
	}
	if rep.Workload.Images != len(cat.Entries) || rep.Workload.Pairs != pairs || rep.Workload.Policies != len(cat.Policies) {
		t.Errorf("workload %+v, want %d images, %d pairs, %d policies", rep.Workload, len(cat.Entries), pairs, len(cat.Policies))
	}
	if rep.Rounds != DefaultRounds || len(rep.Runs) != 2 || rep.Runs[0].Concurrency != 1 || rep.Runs[1].Concurrency != 4 {
		t.Fatalf("%d rounds, levels %+v", rep.Rounds, rep.Runs)
	}
	for _, l := range rep.Runs {
		if len(l.Sides) != len(AllSides) || len(l.Ratios) != len(ratioPairs) {
			t.Fatalf("concurrency %d: %d sides, %d ratios", l.Concurrency, len(l.Sides), len(l.Ratios))
		}
		for _, s := range l.Sides {
			lat := s.Latency
			var inBuckets int64
			for _, b := range s.Distribution {
				inBuckets += b.Count
			}
			switch {
			case s.Decisions != decisions || inBuckets != decisions:
				t.Errorf("%s: %d decisions, %d in the distribution, want %d", s.Name, s.Decisions, inBuckets, decisions)
			case s.Name != SideFloor && (s.Allowed == 0 || s.Denied == 0 || s.Allowed+s.Denied != s.Decisions):
				t.Errorf("%s: %d allowed + %d denied, want both > 0 summing to %d", s.Name, s.Allowed, s.Denied, s.Decisions)
			case s.Name == SideFloor && s.Allowed+s.Denied != 0:
				t.Errorf("floor: %d allowed, %d denied: the floor decides nothing", s.Allowed, s.Denied)
			case !(0 < lat.Min && lat.Min <= lat.P50 && lat.P50 <= lat.P90 && lat.P90 <= lat.P99 && lat.P99 <= lat.Max && lat.Min <= lat.Mean && lat.Mean <= lat.Max):
				t.Errorf("%s: latencies out of order: %+v", s.Name, lat)
			case s.Throughput <= 0 || s.Elapsed <= 0:
				t.Errorf("%s: throughput %v over %v", s.Name, s.Throughput, s.Elapsed)
			}
		}
		for _, name := range []string{SideEngine, SideFresh} {
			if s := l.Side(name); s.RequestsPerDecision < 1 || s.NetworkRequestsPerDecision <= 0 || s.NetworkRequestsPerDecision > s.RequestsPerDecision {
				t.Errorf("%s: requests per decision %v, on the wire %v: want ≥ 1 and (0, total]", name, s.RequestsPerDecision, s.NetworkRequestsPerDecision)
			}
		}
		// A fresh engine has nothing cached: every request goes on the wire.
		if s := l.Side(SideFresh); s.NetworkRequestsPerDecision != s.RequestsPerDecision {
			t.Errorf("fresh: %v requests per decision, %v on the wire", s.RequestsPerDecision, s.NetworkRequestsPerDecision)
		}
		for _, q := range l.Ratios {
			if !(q.P50 > 0 && q.Throughput > 0 && q.P50Range.Min <= q.P50Range.Max && q.ThroughputRange.Min <= q.ThroughputRange.Max && q.ThroughputRange.Min > 0) {
				t.Errorf("concurrency %d: ratio %+v", l.Concurrency, q)
			}
		}
		want := float64(l.Side(SideEngine).Latency.P50) / float64(l.Side(SideLibrary).Latency.P50)
		if got := l.Ratio(SideEngine, SideLibrary).P50; got != want {
			t.Errorf("engine / library p50 %v, want %v", got, want)
		}
	}

	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	var back Report
	if err := dec.Decode(&back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, rep) {
		t.Errorf("JSON round trip changed the report:\n%+v\n%+v", back, *rep)
	}
	if back.MediaType != MediaType {
		t.Errorf("mediaType %q", back.MediaType)
	}
	buf.Reset()
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"concurrency 1\n", "concurrency 4\n", "sigpolicy fresh / library", "sigpolicy engine / floor", "decisions/s",
		"every verdict matches the catalogue"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, buf.String())
		}
	}

	t.Run("a wrong verdict is a mismatch on every deciding side", func(t *testing.T) {
		wrong := *cat
		wrong.Entries = []fixtures.Entry{cat.Entries[0]}
		wrong.Entries[0].Expect = append([]fixtures.Expectation(nil), cat.Entries[0].Expect...)
		flipped := &wrong.Entries[0].Expect[0]
		flipped.Verdict = map[fixtures.Verdict]fixtures.Verdict{fixtures.Allow: fixtures.Deny, fixtures.Deny: fixtures.Allow}[flipped.Verdict]
		rep, err := Run(t.Context(), &wrong, Options{Decisions: 4 * len(wrong.Entries[0].Expect), Concurrency: []int{2}, Rounds: 2})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Mismatches != 12 {
			t.Errorf("%d mismatches, want 4 on each of engine, fresh and library (the flipped pair decided 4 times)", rep.Mismatches)
		}
		var text bytes.Buffer
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if want := "12 decisions differ from the catalogue; 3 of them:\n"; !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
		sides := map[string]bool{}
		for _, m := range rep.MismatchSamples {
			sides[m.Side] = m.Policy == flipped.Policy && m.Got != flipped.Verdict
		}
		if !sides[SideEngine] || !sides[SideFresh] || !sides[SideLibrary] || len(sides) != 3 {
			t.Errorf("samples %+v, want one per deciding side for %s", rep.MismatchSamples, flipped.Policy)
		}
	})

	t.Run("one side", func(t *testing.T) {
		rep, err := Run(t.Context(), cat, Options{Sides: []string{SideEngine}, Rounds: 1})
		if err != nil {
			t.Fatal(err)
		}
		l := rep.Runs[0]
		if len(l.Sides) != 1 || l.Ratios != nil || l.Sides[0].Decisions != int64(pairs) || rep.Mismatches != 0 {
			t.Errorf("sides %+v, ratios %v, want one pass (%d) of the engine, %d mismatches", l.Sides, l.Ratios, pairs, rep.Mismatches)
		}
	})
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		desc  string
		opts  Options
		field string
	}{
		{"negative decisions", Options{Decisions: -1}, "Decisions"},
		{"negative duration", Options{Duration: -time.Second}, "Duration"},
		{"decisions and duration", Options{Decisions: 1, Duration: time.Second}, "Decisions"},
		{"zero concurrency", Options{Concurrency: []int{1, 0}}, "Concurrency"},
		{"repeated concurrency", Options{Concurrency: []int{2, 2}}, "Concurrency"},
		{"negative rounds", Options{Rounds: -1}, "Rounds"},
		{"unknown side", Options{Sides: []string{"cosign"}}, "Sides"},
		{"repeated side", Options{Sides: []string{SideFloor, SideFloor}}, "Sides"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := Run(t.Context(), &fixtures.Catalogue{}, tc.opts)
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Field != tc.field {
				t.Errorf("expected an OptionError on %s, got %v", tc.field, err)
			}
		})
	}
	if _, err := Run(t.Context(), &fixtures.Catalogue{}, Options{}); !errors.Is(err, ErrEmptyWorkload) {
		t.Errorf("empty catalogue: expected ErrEmptyWorkload, got %v", err)
	}
}
