package bench

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"time"
)

// Charts are plain SVG written here (no script, no external asset), so that
// an HTML report opens from a file and docs can embed the same images.

// sideColours are colour-blind-safe (Okabe–Ito) and fixed per side, so a
// side has the same colour in every chart.
var sideColours = map[string]string{
	SideEngine:  "#0072B2",
	SideFresh:   "#CC79A7",
	SideLibrary: "#D55E00",
	SideFloor:   "#009E73",
}

const (
	chartWidth, chartHeight               = 760, 380
	marginLeft, marginRight, marginTop    = 70, 190, 40
	marginBottom                          = 55
	plotWidth                             = chartWidth - marginLeft - marginRight
	plotHeight                            = chartHeight - marginTop - marginBottom
	gridColour, axisColour, textColour    = "#e3e3e3", "#555", "#222"
	lineWidth                             = 2
	legendSwatch, legendGap, legendOffset = 18, 20, 16
)

type svgWriter struct{ bytes.Buffer }

func (s *svgWriter) f(format string, args ...any) { fmt.Fprintf(&s.Buffer, format, args...) }

// text writes label at (x, y) in size-pixel sans-serif; extra holds further
// attributes, none of those text sets.
func (s *svgWriter) text(x, y float64, anchor, label string, size int, extra string) {
	s.f(`<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s" font-family="sans-serif" font-size="%d"%s>%s</text>`+"\n",
		x, y, anchor, textColour, size, extra, html.EscapeString(label))
}

func (s *svgWriter) open(title, desc string) {
	s.f(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img">`+"\n", chartWidth, chartHeight, chartWidth, chartHeight)
	s.f("<title>%s</title>\n<desc>%s</desc>\n", html.EscapeString(title), html.EscapeString(desc))
	s.f(`<rect width="%d" height="%d" fill="#fff"/>`+"\n", chartWidth, chartHeight)
	s.text(marginLeft, 22, "start", title, 14, ` font-weight="bold"`)
}

func (s *svgWriter) legend(entries []legendEntry) {
	x := float64(chartWidth - marginRight + legendOffset)
	for i, e := range entries {
		y := float64(marginTop + 10 + i*2*legendGap)
		s.f(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%d"/>`+"\n", x, y, x+legendSwatch, y, e.colour, lineWidth+1)
		s.text(x+legendSwatch+6, y+4, "start", e.label, 12, "")
		if e.note != "" {
			s.text(x+legendSwatch+6, y+4+14, "start", e.note, 11, ` fill-opacity="0.8"`)
		}
	}
}

type legendEntry struct{ label, note, colour string }

// logTicks returns the 1-2-5 values between lo and hi (both > 0), each
// with whether it is labelled: all of them over up to three decades, the
// powers of ten beyond, so that labels never overlap.
func logTicks(lo, hi float64) []logTick {
	var ticks []logTick
	wide := math.Log10(hi)-math.Log10(lo) > 3
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo*0.999 && v <= hi*1.001 {
				ticks = append(ticks, logTick{v, m == 1 || !wide})
			}
		}
	}
	return ticks
}

type logTick struct {
	v        float64
	labelled bool
}

// logBounds widens [lo, hi] to whole 1-2-5 steps.
func logBounds(lo, hi float64) (float64, float64) {
	down := func(v float64) float64 {
		e := math.Pow(10, math.Floor(math.Log10(v)))
		for _, m := range []float64{5, 2, 1} {
			if m*e <= v {
				return m * e
			}
		}
		return e
	}
	up := func(v float64) float64 {
		e := math.Pow(10, math.Floor(math.Log10(v)))
		for _, m := range []float64{1, 2, 5, 10} {
			if m*e >= v {
				return m * e
			}
		}
		return 10 * e
	}
	return down(lo), up(hi)
}

// LatencySVG draws the cumulative latency distribution of every side of l
// on a logarithmic time axis.
func LatencySVG(l *Level) []byte {
	var s svgWriter
	title := fmt.Sprintf("Decision latency, concurrency %d", l.Concurrency)
	s.open(title, "Cumulative share of decisions (vertical) completed within a latency (horizontal, logarithmic), per side.")
	lo, hi := math.Inf(1), 0.0
	for _, sd := range l.Sides {
		if sd.Decisions == 0 {
			continue
		}
		lo = min(lo, float64(max(sd.Latency.Min, 1)))
		hi = max(hi, float64(sd.Latency.Max))
	}
	if hi == 0 {
		s.f("</svg>\n")
		return s.Bytes()
	}
	lo, hi = logBounds(lo, max(hi, lo*10))
	x := func(ns float64) float64 {
		return marginLeft + (math.Log10(max(ns, lo))-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo))*plotWidth
	}
	y := func(frac float64) float64 { return marginTop + (1-frac)*plotHeight }
	for _, t := range logTicks(lo, hi) {
		s.f(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", x(t.v), marginTop, x(t.v), marginTop+plotHeight, gridColour)
		if t.labelled {
			s.text(x(t.v), marginTop+plotHeight+16, "middle", time.Duration(t.v).String(), 12, "")
		}
	}
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 0.9, 1} {
		s.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`+"\n", marginLeft, y(f), marginLeft+plotWidth, y(f), gridColour)
		s.text(marginLeft-6, y(f)+4, "end", fmt.Sprintf("%g%%", f*100), 12, "")
	}
	s.f(`<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="%s"/>`+"\n", marginLeft, marginTop, plotWidth, plotHeight, axisColour)
	s.text(marginLeft+plotWidth/2, chartHeight-12, "middle", "latency of one decision (logarithmic)", 12, "")
	s.text(16, marginTop+plotHeight/2, "middle", "decisions completed", 12, fmt.Sprintf(` transform="rotate(-90 16 %d)"`, marginTop+plotHeight/2))
	var legend []legendEntry
	for _, sd := range l.Sides {
		if sd.Decisions == 0 {
			continue
		}
		colour := sideColours[sd.Name]
		s.f(`<polyline fill="none" stroke="%s" stroke-width="%d" stroke-linejoin="round" points="`, colour, lineWidth)
		s.f("%.1f,%.1f", x(float64(sd.Latency.Min)), y(0))
		var seen int64
		for _, b := range sd.Distribution {
			s.f(" %.1f,%.1f", x(float64(b.UpperNs)), y(float64(seen)/float64(sd.Decisions)))
			seen += b.Count
			s.f(" %.1f,%.1f", x(float64(b.UpperNs)), y(float64(seen)/float64(sd.Decisions)))
		}
		s.f(`"/>` + "\n")
		legend = append(legend, legendEntry{sideTitles[sd.Name], "p50 " + round(sd.Latency.P50).String() + ", p99 " + round(sd.Latency.P99).String(), colour})
	}
	s.legend(legend)
	s.f("</svg>\n")
	return s.Bytes()
}

// ThroughputSVG draws each side's decisions per second against the
// concurrency, on a logarithmic throughput axis.
func ThroughputSVG(r *Report) []byte {
	var s svgWriter
	s.open("Throughput against concurrency", "Decisions per second (vertical, logarithmic) at each number of decisions in flight (horizontal), per side.")
	lo, hi := math.Inf(1), 0.0
	for _, l := range r.Runs {
		for _, sd := range l.Sides {
			if sd.Throughput > 0 {
				lo, hi = min(lo, sd.Throughput), max(hi, sd.Throughput)
			}
		}
	}
	if hi == 0 || len(r.Runs) == 0 {
		s.f("</svg>\n")
		return s.Bytes()
	}
	lo, hi = logBounds(lo, max(hi, lo*10))
	step := float64(plotWidth) / float64(len(r.Runs))
	x := func(i int) float64 { return marginLeft + step*(float64(i)+0.5) }
	y := func(v float64) float64 {
		return marginTop + (1-(math.Log10(v)-math.Log10(lo))/(math.Log10(hi)-math.Log10(lo)))*plotHeight
	}
	for _, t := range logTicks(lo, hi) {
		s.f(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s"/>`+"\n", marginLeft, y(t.v), marginLeft+plotWidth, y(t.v), gridColour)
		if t.labelled {
			s.text(marginLeft-6, y(t.v)+4, "end", fmt.Sprintf("%g", t.v), 12, "")
		}
	}
	for i, l := range r.Runs {
		s.text(x(i), marginTop+plotHeight+16, "middle", fmt.Sprint(l.Concurrency), 12, "")
	}
	s.f(`<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="%s"/>`+"\n", marginLeft, marginTop, plotWidth, plotHeight, axisColour)
	s.text(marginLeft+plotWidth/2, chartHeight-12, "middle", "decisions in flight (concurrency)", 12, "")
	s.text(16, marginTop+plotHeight/2, "middle", "decisions per second", 12, fmt.Sprintf(` transform="rotate(-90 16 %d)"`, marginTop+plotHeight/2))
	var legend []legendEntry
	for _, name := range AllSides {
		colour := sideColours[name]
		var points bytes.Buffer
		var last float64
		for i, l := range r.Runs {
			if sd := l.Side(name); sd != nil && sd.Throughput > 0 {
				fmt.Fprintf(&points, "%.1f,%.1f ", x(i), y(sd.Throughput))
				s.f(`<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>`+"\n", x(i), y(sd.Throughput), colour)
				last = sd.Throughput
			}
		}
		if points.Len() == 0 {
			continue
		}
		s.f(`<polyline fill="none" stroke="%s" stroke-width="%d" points="%s"/>`+"\n", colour, lineWidth, bytes.TrimSpace(points.Bytes()))
		legend = append(legend, legendEntry{sideTitles[name], fmt.Sprintf("%.0f/s at %d", last, r.Runs[len(r.Runs)-1].Concurrency), colour})
	}
	s.legend(legend)
	s.f("</svg>\n")
	return s.Bytes()
}

// Charts returns the report's charts by file name: latency-c<N>.svg for
// each concurrency, and throughput.svg.
func (r *Report) Charts() map[string][]byte {
	out := map[string][]byte{"throughput.svg": ThroughputSVG(r)}
	for i := range r.Runs {
		out[fmt.Sprintf("latency-c%d.svg", r.Runs[i].Concurrency)] = LatencySVG(&r.Runs[i])
	}
	return out
}
