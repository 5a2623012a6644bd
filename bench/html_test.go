package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sampleReport is a report with two concurrency levels and every side, a
// hostile registry name and a mismatch whose reason carries markup.
func sampleReport() *Report {
	level := func(c int, scale float64) Level {
		l := Level{Concurrency: c}
		for i, name := range AllSides {
			var h histogram
			for j := range 200 {
				h.record(time.Duration(scale * float64((i+1)*100_000+j*2_000)))
			}
			t := tally{hist: h, allowed: 150, elapsed: time.Duration(scale * float64(time.Second))}
			l.Sides = append(l.Sides, t.side(name))
		}
		return l
	}
	return &Report{MediaType: MediaType, Registry: `<script>alert("r")</script>`, Rounds: 3,
		Workload: Workload{Scenarios: []string{"bulk-pki"}, Images: 50, Policies: 4, Pairs: 200},
		Runs:     []Level{level(1, 1), level(8, 2.5)}, Mismatches: 1,
		MismatchSamples: []Mismatch{{Side: SideLibrary, Image: "r/x:v1", Policy: "policies/p.yaml", Expected: "allow", Got: "deny", Reason: `<img src="http://evil.example/x">`}}}
}

// TestHTMLIsSelfContained: one page, no script, nothing loaded from
// elsewhere, registry-controlled text escaped, and charts that are
// well-formed SVG with one line per side.
func TestHTMLIsSelfContained(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	if err := r.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, banned := range []string{"<script", "<link", "<img", "<iframe", "@import", "url("} {
		if strings.Contains(page, banned) {
			t.Errorf("page contains %q", banned)
		}
	}
	if m := regexp.MustCompile(`<[^>]*\s(src|href)=`).FindString(page); m != "" {
		t.Errorf("page refers to something elsewhere: %s", m)
	}
	for _, want := range []string{"&lt;script&gt;", "&lt;img src=", "Throughput against concurrency", "Decision latency, concurrency 8"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(page, "<svg"); n != 3 {
		t.Errorf("%d charts in the page, want 3 (throughput, and latency at each concurrency)", n)
	}
	charts := r.Charts()
	if len(charts) != 3 {
		t.Fatalf("charts %v", charts)
	}
	for name, svg := range charts {
		lines, err := polylines(svg)
		if err != nil {
			t.Errorf("%s: not well-formed: %v", name, err)
		}
		if lines != len(AllSides) {
			t.Errorf("%s: %d lines, want one per side (%d)", name, lines, len(AllSides))
		}
	}
}

func polylines(svg []byte) (int, error) {
	dec := xml.NewDecoder(bytes.NewReader(svg))
	n := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local == "polyline" {
			n++
		}
		seen := map[string]bool{} // XML, unlike HTML, refuses an attribute given twice
		for _, a := range se.Attr {
			if seen[a.Name.Local] {
				return n, fmt.Errorf("<%s> has attribute %s twice", se.Name.Local, a.Name.Local)
			}
			seen[a.Name.Local] = true
		}
	}
}

// TestHTMLInChromium opens the page from a file in Debian's headless
// chromium, when installed, and requires the charts in the rendered DOM.
func TestHTMLInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed")
	}
	page := filepath.Join(t.TempDir(), "bench.html")
	var buf bytes.Buffer
	if err := sampleReport().WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://"+page).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	if n := strings.Count(dom, "<polyline"); n != 3*len(AllSides) {
		t.Errorf("rendered DOM has %d chart lines, want %d", n, 3*len(AllSides))
	}
	if strings.Contains(dom, "<script") {
		t.Error("rendered DOM has a script element")
	}
	// A chart file alone is parsed as XML: an error replaces the picture.
	chart := filepath.Join(t.TempDir(), "throughput.svg")
	if err := os.WriteFile(chart, sampleReport().Charts()["throughput.svg"], 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.CommandContext(t.Context(), browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://"+chart).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if strings.Contains(string(out), "parsererror") || strings.Count(string(out), "<polyline") != len(AllSides) {
		t.Errorf("chromium did not render the SVG file:\n%.600s", out)
	}
}

// TestTextEscapesMismatches: a registry's words in a mismatch cannot
// write control sequences or a forged line to a terminal.
func TestTextEscapesMismatches(t *testing.T) {
	r := sampleReport()
	r.MismatchSamples[0].Reason = "denied\x1b[2K\rALLOWED forged"
	r.MismatchSamples[0].Image = "r/x:v1\n"
	var buf bytes.Buffer
	if err := r.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.ContainsAny(out, "\x1b\r") || strings.Contains(out, "r/x:v1\n") {
		t.Errorf("raw control characters in the text report:\n%q", out)
	}
	if !strings.Contains(out, `denied\x1b[2K\rALLOWED forged`) {
		t.Errorf("reason not shown escaped:\n%s", out)
	}
}
