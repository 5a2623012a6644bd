package bench

import (
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"
	"time"
)

// The HTML report is self-contained: inline CSS and SVG, no script, no
// external asset. Every value from the catalogue or a registry is escaped;
// the charts are this package's own SVG.

const htmlStyle = `<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 62em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.25em 0.7em; text-align: right; border-bottom: 1px solid #ddd; }
th:first-child, td:first-child { text-align: left; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 2px; }
.ok { color: #006d3c; } .bad { color: #b00020; font-weight: bold; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
.note { color: #555; font-size: 0.9em; }
</style>
`

const htmlSides = `<p class="note">Sides: <b>sigpolicy engine</b>, a long-lived engine per policy file (compiled once, connections kept);
<b>sigpolicy fresh</b>, what one <code>sigpolicy verify --root NODE IMAGE</code> pays (engine built from the node's files, new registry client, one decision);
<b>library</b>, the containers image library as CRI-O runs it at every pull (policy file read, image opened, <code>IsRunningImageAllowed</code>);
<b>floor</b>, the least work of a decision: the same GETs on a bare HTTP client and the same public-key operations on parsed keys.
Latency ratios below 1 and throughput ratios above 1 mean the first side is faster. Ranges are the lowest and highest ratio over the interleaved rounds.</p>
`

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	var p page
	p.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>sigpolicy bench — ").text(r.Registry).raw("</title>\n")
	p.raw(htmlStyle).raw("</head>\n<body>\n<h1>sigpolicy bench</h1>\n<p>").text(r.summary()).raw(".</p>\n").raw(htmlSides)
	if r.Mismatches == 0 {
		p.raw(`<p class="ok">Every verdict matches the catalogue (the library's verdicts).</p>` + "\n")
	} else {
		p.raw(`<p class="bad">`).raw(strconv.FormatInt(r.Mismatches, 10)).raw(" decisions differ from the catalogue.</p>\n<ul>")
		for _, m := range r.MismatchSamples {
			p.raw("<li>").text(m.Side).raw(": ").text(m.Image)
			if m.Instance != "" {
				p.raw(" (instance ").text(m.Instance).raw(")")
			}
			p.raw(" under ").text(m.Policy).raw(": ").text(string(m.Got)).raw(", expected ").text(string(m.Expected))
			if m.Reason != "" {
				p.raw(" (").text(m.Reason).raw(")")
			}
			p.raw("</li>")
		}
		p.raw("</ul>\n")
	}
	p.raw("\n")
	if len(r.Runs) > 1 {
		p.raw("<h2>Throughput against concurrency</h2>\n<figure>").raw(string(ThroughputSVG(r))).raw("</figure>")
	}
	p.raw("\n")
	for i := range r.Runs {
		p.level(&r.Runs[i])
	}
	p.raw("\n<p class=\"note\">Workload: ").int(r.Workload.Images).raw(" images, ").int(r.Workload.Policies).
		raw(" policy files, ").int(r.Workload.Pairs).raw(" image/policy pairs;\nscenarios ").
		text(strings.Join(r.Workload.Scenarios, ", ")).raw(".</p>\n</body>\n</html>\n")
	_, err := io.WriteString(w, p.String())
	return err
}

// level writes one concurrency: the latency chart, the sides and the ratios.
func (p *page) level(l *Level) {
	p.raw("\n<h2>Concurrency ").int(l.Concurrency).raw("</h2>\n<figure>").raw(string(LatencySVG(l))).raw("</figure>\n<table>\n")
	p.raw("<tr><th>side</th><th>decisions</th><th>allowed</th><th>denied</th><th>elapsed</th><th>decisions/s</th>" +
		"<th>p50</th><th>p90</th><th>p99</th><th>max</th><th>requests/decision</th></tr>\n")
	for _, s := range l.Sides {
		p.raw(`<tr><td><span class="swatch" style="background: `).raw(sideColours[s.Name]).raw(`"></span>`).
			text(sideTitles[s.Name]).raw("</td><td>").raw(strconv.FormatInt(s.Decisions, 10)).raw("</td>\n")
		if s.Name == SideFloor {
			p.raw("<td>—</td><td>—</td>")
		} else {
			p.raw("<td>").raw(strconv.FormatInt(s.Allowed, 10)).raw("</td><td>").raw(strconv.FormatInt(s.Denied, 10)).raw("</td>")
		}
		p.raw("\n<td>").dur(s.Elapsed).raw("</td><td>").raw(fmt.Sprintf("%.0f", s.Throughput)).raw("</td><td>").dur(s.Latency.P50).
			raw("</td><td>").dur(s.Latency.P90).raw("</td><td>").dur(s.Latency.P99).raw("</td><td>").dur(s.Latency.Max).raw("</td>\n<td>")
		if s.RequestsPerDecision != 0 {
			p.raw(fmt.Sprintf("%.2f (%.2f on the wire)", s.RequestsPerDecision, s.NetworkRequestsPerDecision))
		} else {
			p.raw("—")
		}
		p.raw("</td></tr>\n")
	}
	p.raw("</table>\n")
	if len(l.Ratios) > 0 {
		p.raw("<table>\n<tr><th>ratio</th><th>p50</th><th>p50 range</th><th>p90</th><th>p99</th><th>throughput</th><th>throughput range</th></tr>\n")
		for _, q := range l.Ratios {
			p.raw("<tr><td>").text(sideTitles[q.Of]).raw(" / ").text(sideTitles[q.To]).raw("</td><td>").ratio(q.P50).
				raw("</td><td>").ratio(q.P50Range.Min).raw("–").ratio(q.P50Range.Max).raw("</td><td>").ratio(q.P90).
				raw("</td><td>").ratio(q.P99).raw("</td>\n<td>").ratio(q.Throughput).raw("×</td><td>").ratio(q.ThroughputRange.Min).
				raw("–").ratio(q.ThroughputRange.Max).raw("</td></tr>\n")
		}
		p.raw("</table>")
	}
	p.raw("\n")
}

// page builds the HTML report: markup as written, text escaped.
type page struct{ strings.Builder }

func (p *page) raw(s string) *page { p.WriteString(s); return p }

func (p *page) text(s string) *page { p.WriteString(html.EscapeString(s)); return p }

func (p *page) int(n int) *page { p.WriteString(strconv.Itoa(n)); return p }

func (p *page) dur(d time.Duration) *page { p.WriteString(round(d).String()); return p }

func (p *page) ratio(v float64) *page { p.WriteString(strconv.FormatFloat(v, 'f', 2, 64)); return p }
