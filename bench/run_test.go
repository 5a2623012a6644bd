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
	rep, err := Run(t.Context(), cat, Options{Decisions: decisions, Concurrency: 4})
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
	if rep.Library == nil || rep.Ratio == nil {
		t.Fatal("library side missing with the default comparison")
	}
	for name, s := range map[string]Side{SideSigpolicy: rep.Sigpolicy, SideLibrary: *rep.Library} {
		l := s.Latency
		switch {
		case s.Decisions != decisions:
			t.Errorf("%s: %d decisions, want %d", name, s.Decisions, decisions)
		case s.Allowed == 0 || s.Denied == 0 || s.Allowed+s.Denied != s.Decisions:
			t.Errorf("%s: %d allowed + %d denied, want both > 0 summing to %d", name, s.Allowed, s.Denied, s.Decisions)
		case !(0 < l.Min && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Min <= l.Mean && l.Mean <= l.Max):
			t.Errorf("%s: latencies out of order: %+v", name, l)
		case s.Throughput <= 0 || s.Elapsed <= 0:
			t.Errorf("%s: throughput %v over %v", name, s.Throughput, s.Elapsed)
		}
	}
	if s := rep.Sigpolicy; s.RequestsPerDecision < 1 || s.NetworkRequestsPerDecision <= 0 || s.NetworkRequestsPerDecision > s.RequestsPerDecision {
		t.Errorf("requests per decision %v, on the wire %v: want ≥ 1 and (0, total]", s.RequestsPerDecision, s.NetworkRequestsPerDecision)
	}
	if rep.Ratio.P50 <= 0 || rep.Ratio.Throughput <= 0 {
		t.Errorf("ratios %+v", rep.Ratio)
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
	for _, want := range []string{"sigpolicy / library", "decisions/s", "every verdict matches the catalogue and the library"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, buf.String())
		}
	}

	t.Run("a wrong verdict is a mismatch on both sides", func(t *testing.T) {
		wrong := *cat
		wrong.Entries = []fixtures.Entry{cat.Entries[0]}
		wrong.Entries[0].Expect = append([]fixtures.Expectation(nil), cat.Entries[0].Expect...)
		flipped := &wrong.Entries[0].Expect[0]
		flipped.Verdict = map[fixtures.Verdict]fixtures.Verdict{fixtures.Allow: fixtures.Deny, fixtures.Deny: fixtures.Allow}[flipped.Verdict]
		rep, err := Run(t.Context(), &wrong, Options{Decisions: 4 * len(wrong.Entries[0].Expect), Concurrency: 2})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Mismatches != 8 {
			t.Errorf("%d mismatches, want 4 per side (the flipped pair decided 4 times)", rep.Mismatches)
		}
		var text bytes.Buffer
		if err := rep.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if want := "8 decisions differ from the catalogue; 2 of them:\n  sigpolicy: " + wrong.Entries[0].Reference + " under " + flipped.Policy; !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
		if len(rep.MismatchSamples) != 2 || rep.MismatchSamples[0].Policy != flipped.Policy || rep.MismatchSamples[0].Got == flipped.Verdict {
			t.Errorf("samples %+v, want one per side for %s", rep.MismatchSamples, flipped.Policy)
		}
	})

	t.Run("without comparison", func(t *testing.T) {
		rep, err := Run(t.Context(), cat, Options{Compare: CompareNone})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Library != nil || rep.Ratio != nil || rep.Sigpolicy.Decisions != int64(pairs) || rep.Mismatches != 0 {
			t.Errorf("library %v, ratio %v, %d decisions (want one pass: %d), %d mismatches", rep.Library, rep.Ratio, rep.Sigpolicy.Decisions, pairs, rep.Mismatches)
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
		{"negative concurrency", Options{Concurrency: -2}, "Concurrency"},
		{"unknown comparison", Options{Compare: "cosign"}, "Compare"},
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
