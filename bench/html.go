package bench

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// htmlPage is the self-contained report: inline CSS and SVG, no script, no
// external asset. Every value from the catalogue or a registry is escaped
// by html/template; the charts are this package's own SVG.
var htmlPage = template.Must(template.New("bench").Funcs(template.FuncMap{
	"title": func(side string) string { return sideTitles[side] },
	"dur":   func(d time.Duration) string { return round(d).String() },
	"ratio": func(v float64) string { return fmt.Sprintf("%.2f", v) },
	"per":   func(v float64) string { return fmt.Sprintf("%.0f", v) },
	"colour": func(side string) template.CSS {
		return template.CSS(sideColours[side])
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sigpolicy bench — {{.Report.Registry}}</title>
<style>
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
</head>
<body>
<h1>sigpolicy bench</h1>
<p>{{.Summary}}.</p>
<p class="note">Sides: <b>sigpolicy engine</b>, a long-lived engine per policy file (compiled once, connections kept);
<b>sigpolicy fresh</b>, what one <code>sigpolicy verify --root NODE IMAGE</code> pays (engine built from the node's files, new registry client, one decision);
<b>library</b>, the containers image library as CRI-O runs it at every pull (policy file read, image opened, <code>IsRunningImageAllowed</code>);
<b>floor</b>, the least work of a decision: the same GETs on a bare HTTP client and the same public-key operations on parsed keys.
Latency ratios below 1 and throughput ratios above 1 mean the first side is faster. Ranges are the lowest and highest ratio over the interleaved rounds.</p>
{{if eq .Report.Mismatches 0}}<p class="ok">Every verdict matches the catalogue (the library's verdicts).</p>
{{else}}<p class="bad">{{.Report.Mismatches}} decisions differ from the catalogue.</p>
<ul>{{range .Report.MismatchSamples}}<li>{{.Side}}: {{.Image}}{{if .Instance}} (instance {{.Instance}}){{end}} under {{.Policy}}: {{.Got}}, expected {{.Expected}}{{if .Reason}} ({{.Reason}}){{end}}</li>{{end}}</ul>
{{end}}
{{if .Throughput}}<h2>Throughput against concurrency</h2>
<figure>{{.Throughput}}</figure>{{end}}
{{range .Levels}}
<h2>Concurrency {{.Level.Concurrency}}</h2>
<figure>{{.Latency}}</figure>
<table>
<tr><th>side</th><th>decisions</th><th>allowed</th><th>denied</th><th>elapsed</th><th>decisions/s</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>requests/decision</th></tr>
{{range .Level.Sides}}<tr><td><span class="swatch" style="background: {{colour .Name}}"></span>{{title .Name}}</td><td>{{.Decisions}}</td>
{{if eq .Name "floor"}}<td>—</td><td>—</td>{{else}}<td>{{.Allowed}}</td><td>{{.Denied}}</td>{{end}}
<td>{{dur .Elapsed}}</td><td>{{per .Throughput}}</td><td>{{dur .Latency.P50}}</td><td>{{dur .Latency.P90}}</td><td>{{dur .Latency.P99}}</td><td>{{dur .Latency.Max}}</td>
<td>{{if .RequestsPerDecision}}{{printf "%.2f" .RequestsPerDecision}} ({{printf "%.2f" .NetworkRequestsPerDecision}} on the wire){{else}}—{{end}}</td></tr>
{{end}}</table>
{{if .Level.Ratios}}<table>
<tr><th>ratio</th><th>p50</th><th>p50 range</th><th>p90</th><th>p99</th><th>throughput</th><th>throughput range</th></tr>
{{range .Level.Ratios}}<tr><td>{{title .Of}} / {{title .To}}</td><td>{{ratio .P50}}</td><td>{{ratio .P50Range.Min}}–{{ratio .P50Range.Max}}</td><td>{{ratio .P90}}</td><td>{{ratio .P99}}</td>
<td>{{ratio .Throughput}}×</td><td>{{ratio .ThroughputRange.Min}}–{{ratio .ThroughputRange.Max}}</td></tr>
{{end}}</table>{{end}}
{{end}}
<p class="note">Workload: {{.Report.Workload.Images}} images, {{.Report.Workload.Policies}} policy files, {{.Report.Workload.Pairs}} image/policy pairs;
scenarios {{.Scenarios}}.</p>
</body>
</html>
`))

// WriteHTML writes the report as one self-contained HTML page.
func (r *Report) WriteHTML(w io.Writer) error {
	type level struct {
		Level   *Level
		Latency template.HTML
	}
	data := struct {
		Report     *Report
		Summary    string
		Scenarios  string
		Throughput template.HTML
		Levels     []level
	}{Report: r, Summary: r.summary(), Scenarios: strings.Join(r.Workload.Scenarios, ", ")}
	if len(r.Runs) > 1 {
		data.Throughput = template.HTML(ThroughputSVG(r)) //nolint:gosec // our own SVG; every label in it is escaped
	}
	for i := range r.Runs {
		data.Levels = append(data.Levels, level{&r.Runs[i], template.HTML(LatencySVG(&r.Runs[i]))}) //nolint:gosec // as above
	}
	return htmlPage.Execute(w, data)
}
