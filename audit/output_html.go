package audit

import (
	"bufio"
	"html"
	"io"
	"strconv"
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

// htmlHead opens the page and the table; htmlScript is the filter, after
// the chart whose bars it reads.
const htmlHead = `<!DOCTYPE html>
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
`

const htmlScript = `<script>
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
`

func (h *HTML) head() error {
	if h.started {
		return nil
	}
	h.started = true
	_, err := h.w.WriteString(htmlHead)
	return err
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
	var b markup
	b.raw(`<tr data-cause="`).text(key).raw(`" data-outcome="`).text(r.Outcome).raw(`">`)
	b.raw(`<td class="image">`).text(r.Image)
	if r.Digest != "" {
		b.raw(`<div class="from">`).text(r.Digest).raw(`</div>`)
	}
	if r.From != "" {
		b.raw(`<div class="from">from `).text(r.From).raw(`</div>`)
	}
	b.raw(`</td><td class="outcome `).text(r.Outcome).raw(`">`).text(r.Outcome).raw(`</td><td>`).text(string(r.Cause))
	b.raw(`</td><td>`).text(r.Source).raw(`</td><td>`).text(r.Reason)
	for _, n := range r.Notes {
		b.raw(`<div class="note">`).text(n).raw(`</div>`)
	}
	if r.Remedy != "" {
		b.raw(`<div class="fix">fix: `).text(r.Remedy).raw(`</div>`)
	}
	b.raw("</td></tr>\n")
	_, err := h.w.WriteString(b.String())
	return err
}

func (h *HTML) Close(s *Summary) error {
	if err := h.head(); err != nil {
		return err
	}
	var b markup
	b.raw("</tbody>\n</table>\n")
	if h.omitted > 0 {
		b.raw(`<p id="omitted">`).int(h.omitted).raw(` allowed image(s) are not listed (the table lists at most `).
			int(MaxAllowedRows).raw(` allowed images; every other one is listed).</p>`)
	}
	b.raw("\n</section>\n<section id=\"summary\">\n<h1>sigpolicy audit: ").int(s.Images).raw(" image(s)</h1>\n")
	b.raw(`<p id="counts">`).text(outcomeCounts(s))
	if s.Shard.Count > 1 {
		b.raw(" — shard ").text(s.Shard.String())
	}
	if s.Resumed != 0 {
		b.raw(" — ").int(s.Resumed).raw(" skipped as already decided")
	}
	if s.Duplicates != 0 {
		b.raw(" — ").int(s.Duplicates).raw(" repeated in the input")
	}
	b.raw(" — ").raw(strconv.FormatFloat(s.Seconds, 'f', 1, 64)).raw(" s</p>\n")
	h.chart(&b, s)
	b.raw("</section>\n</main>\n").raw(htmlScript)
	if _, err := h.w.WriteString(b.String()); err != nil {
		return err
	}
	return h.w.Flush()
}

// chart writes the counts by cause as horizontal bars, allowed first.
func (h *HTML) chart(b *markup, s *Summary) {
	type bar struct {
		key   string
		count int
		class string
	}
	var bars []bar
	if n := s.Outcomes[string(verify.OutcomeAllowed)]; n > 0 {
		bars = append(bars, bar{allowedKey, n, "allowed"})
	}
	for _, c := range causesByCount(s.Causes) {
		bars = append(bars, bar{string(c), s.Causes[c], causeClass(c)})
	}
	total := max(1, s.Images)
	height := 12 + 26*len(bars)
	b.raw(`<svg id="chart" role="img" aria-label="images by cause" width="760" height="`).int(height).
		raw(`" viewBox="0 0 760 `).int(height).raw("\">\n")
	for i, c := range bars {
		y, width := 6+26*i, max(1, 480*c.count/total)
		fill := "#bf8700"
		switch c.class {
		case "allowed":
			fill = "#2da44e"
		case "denied":
			fill = "#cf222e"
		}
		b.raw(`<g class="bar" data-cause="`).text(c.key).raw(`" data-count="`).int(c.count).raw(`"><title>`).
			text(c.key).raw(": ").int(c.count).raw(`</title><text x="0" y="`).int(y).raw(`" dy="14">`).text(c.key).
			raw(`</text><rect class="`).text(c.class).raw(`" x="200" y="`).int(y).raw(`" width="`).int(width).
			raw(`" height="18" fill="`).raw(fill).raw(`"></rect><text x="`).int(width).raw(`" dx="206" y="`).int(y).
			raw(`" dy="14">`).int(c.count).raw("</text></g>\n")
	}
	b.raw("</svg>\n")
}

// markup builds HTML: literal markup as given, text escaped.
type markup struct{ strings.Builder }

func (m *markup) raw(s string) *markup { m.WriteString(s); return m }

func (m *markup) text(s string) *markup { m.WriteString(html.EscapeString(s)); return m }

func (m *markup) int(n int) *markup { m.WriteString(strconv.Itoa(n)); return m }

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
