package audit

import (
	"bufio"
	"html/template"
	"io"
	"strings"

	"github.com/sigpolicy/sigpolicy/verify"
)

// MaxAllowedRows bounds the allowed images the HTML table lists; images
// that are not allowed are always listed.
const MaxAllowedRows = 10000

// allowedKey stands for allowed images in the chart and the filter.
const allowedKey = "allowed"

// HTML writes one self-contained page (no external asset; it opens from a
// file): a filterable table, streamed row by row as results come, and,
// once the run ends, the counts by cause as a bar chart. The chart is
// written after the table and shown above it (CSS order), so nothing is
// held back; the filter (text and cause, also from the URL fragment
// #cause=…&q=…) needs JavaScript, the rest does not.
type HTML struct {
	w       *bufio.Writer
	started bool
	allowed int // allowed images seen
	omitted int // allowed images not listed
}

// NewHTML writes to w.
func NewHTML(w io.Writer) *HTML { return &HTML{w: bufio.NewWriterSize(w, 64<<10)} }

var htmlHead = template.Must(template.New("head").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sigpolicy audit</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d1d1f; }
main { display: flex; flex-direction: column; padding: 1em 2em; }
#summary { order: 1; } #images { order: 2; }
h1 { font-size: 1.4em; margin: .2em 0; } h2 { font-size: 1.1em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35em .6em; border-bottom: 1px solid #ddd; }
th { background: #f3f3f5; position: sticky; top: 0; }
td.image { font-family: ui-monospace, monospace; word-break: break-all; min-width: 24em; max-width: 40em; }
.from, .fix, .note { color: #555; font-size: .9em; } .fix { font-family: ui-monospace, monospace; white-space: pre-wrap; }
.outcome { font-weight: 600; } .allowed { color: #17803d; } .denied { color: #b3261e; } .undecided, .invalid-configuration, .invalid-reference { color: #9a6700; }
#filters { margin: .5em 0; display: flex; gap: .6em; align-items: center; }
#filters input { width: 30em; padding: .3em; }
#chart .bar { cursor: pointer; } #chart text { font-size: 12px; }
</style>
</head>
<body>
<main>
<section id="images">
<h2>Images</h2>
<div id="filters"><input id="q" type="search" placeholder="filter: image, source, reason…" aria-label="filter">
<select id="cause" aria-label="cause"><option value="">every cause</option></select> <span id="shown"></span></div>
<table id="results">
<thead><tr><th>image</th><th>outcome</th><th>cause</th><th>served by</th><th>reason and fix</th></tr></thead>
<tbody>
`))

var htmlRow = template.Must(template.New("row").Parse(`<tr data-cause="{{.Key}}" data-outcome="{{.R.Outcome}}">` +
	`<td class="image">{{.R.Image}}{{with .R.Digest}}<div class="from">{{.}}</div>{{end}}{{with .R.From}}<div class="from">from {{.}}</div>{{end}}</td>` +
	`<td class="outcome {{.R.Outcome}}">{{.R.Outcome}}</td><td>{{.R.Cause}}</td><td>{{.R.Source}}</td>` +
	`<td>{{.R.Reason}}{{range .R.Notes}}<div class="note">{{.}}</div>{{end}}{{with .R.Remedy}}<div class="fix">fix: {{.}}</div>{{end}}</td></tr>
`))

type htmlBar struct {
	Key   string
	Count int
	Y     int
	Width int
	Class string
}

var htmlTail = template.Must(template.New("tail").Parse(`</tbody>
</table>
{{if .Omitted}}<p id="omitted">{{.Omitted}} allowed image(s) are not listed (the table lists at most {{.MaxAllowed}} allowed images; every other one is listed).</p>{{end}}
</section>
<section id="summary">
<h1>sigpolicy audit: {{.S.Images}} image(s)</h1>
<p id="counts">{{.Counts}}{{if gt .S.Shard.Count 1}} — shard {{.S.Shard}}{{end}}{{if .S.Resumed}} — {{.S.Resumed}} skipped as already decided{{end}}{{if .S.Duplicates}} — {{.S.Duplicates}} repeated in the input{{end}} — {{printf "%.1f" .S.Seconds}} s</p>
<svg id="chart" role="img" aria-label="images by cause" width="760" height="{{.Height}}" viewBox="0 0 760 {{.Height}}">
{{range .Bars}}<g class="bar" data-cause="{{.Key}}" data-count="{{.Count}}"><title>{{.Key}}: {{.Count}}</title><text x="0" y="{{.Y}}" dy="14">{{.Key}}</text><rect class="{{.Class}}" x="200" y="{{.Y}}" width="{{.Width}}" height="18" fill="{{if eq .Class "allowed"}}#2da44e{{else if eq .Class "denied"}}#cf222e{{else}}#bf8700{{end}}"></rect><text x="{{.Width}}" dx="206" y="{{.Y}}" dy="14">{{.Count}}</text></g>
{{end}}</svg>
</section>
</main>
<script>
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll('#results tbody tr'));
  var q = document.getElementById('q'), sel = document.getElementById('cause'), shown = document.getElementById('shown');
  var bars = document.querySelectorAll('#chart .bar');
  bars.forEach(function (b) {
    var o = document.createElement('option');
    o.value = b.dataset.cause;
    o.textContent = b.dataset.cause + ' (' + b.dataset.count + ')';
    sel.appendChild(o);
    b.addEventListener('click', function () { sel.value = b.dataset.cause; apply(); });
  });
  function apply() {
    var text = q.value.toLowerCase(), cause = sel.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!cause || r.dataset.cause === cause) && (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' rows';
    var h = new URLSearchParams();
    if (cause) h.set('cause', cause);
    if (q.value) h.set('q', q.value);
    try { history.replaceState(null, '', '#' + h.toString()); } catch (e) {}
  }
  var start = new URLSearchParams(location.hash.slice(1));
  if (start.get('cause')) sel.value = start.get('cause');
  if (start.get('q')) q.value = start.get('q');
  q.addEventListener('input', apply);
  sel.addEventListener('change', apply);
  apply();
})();
</script>
</body>
</html>
`))

func (h *HTML) head() error {
	if h.started {
		return nil
	}
	h.started = true
	return htmlHead.Execute(h.w, nil)
}

func (h *HTML) Result(r Result) error {
	if err := h.head(); err != nil {
		return err
	}
	key := string(r.Cause)
	if r.Allowed {
		key = allowedKey
		h.allowed++
		if h.allowed > MaxAllowedRows {
			h.omitted++
			return nil
		}
	}
	r = cleanResult(r)
	if strings.Contains(r.Image, r.Digest) {
		r.Digest = "" // already in the reference
	}
	return htmlRow.Execute(h.w, struct {
		Key string
		R   Result
	}{key, r})
}

func (h *HTML) Close(s *Summary) error {
	if err := h.head(); err != nil {
		return err
	}
	total := max(1, s.Images)
	var bars []htmlBar
	add := func(key string, count int, class string) {
		bars = append(bars, htmlBar{Key: key, Count: count, Y: 6 + 26*len(bars), Width: max(1, 480*count/total), Class: class})
	}
	if n := s.Outcomes[string(verify.OutcomeAllowed)]; n > 0 {
		add(allowedKey, n, "allowed")
	}
	for _, c := range causesByCount(s.Causes) {
		add(string(c), s.Causes[c], causeClass(c))
	}
	err := htmlTail.Execute(h.w, map[string]any{
		"S": s, "Bars": bars, "Height": 12 + 26*len(bars), "Counts": outcomeCounts(s),
		"Omitted": h.omitted, "MaxAllowed": MaxAllowedRows,
	})
	if err != nil {
		return err
	}
	return h.w.Flush()
}

// cleanResult sanitises the fields a registry or an input controls.
func cleanResult(r Result) Result {
	r.Image, r.From, r.Source, r.Reason, r.Remedy, r.Digest = clean(r.Image), clean(r.From), clean(r.Source), clean(r.Reason), clean(r.Remedy), clean(r.Digest)
	notes := make([]string, len(r.Notes))
	for i, n := range r.Notes {
		notes[i] = clean(n)
	}
	r.Notes = notes
	return r
}

// causeClass colours a cause: red for policy denials, amber for what
// could not be decided or configured.
func causeClass(c Cause) string {
	switch c {
	case CauseImageNotFound, CauseRegistryUnavailable, CauseInvalidConfiguration, CauseInvalidReference, CauseUnsupported:
		return "undecided"
	}
	return "denied"
}
