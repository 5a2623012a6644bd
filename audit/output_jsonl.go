package audit

import (
	"bufio"
	"encoding/json"
	"io"
)

// JSONLines writes one JSON object per result, then {"summary": …}
// (docs/audit.md). It buffers: Run flushes it whenever no other result is
// waiting.
type JSONLines struct {
	w   *bufio.Writer
	enc *json.Encoder
}

// NewJSONLines writes to w.
func NewJSONLines(w io.Writer) *JSONLines {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONLines{w: bw, enc: enc}
}

func (j *JSONLines) Result(r Result) error { return j.enc.Encode(r) }

// Flush writes out the buffered results.
func (j *JSONLines) Flush() error { return j.w.Flush() }

func (j *JSONLines) Close(s *Summary) error {
	if err := j.enc.Encode(struct {
		Summary *Summary `json:"summary"`
	}{s}); err != nil {
		return err
	}
	return j.w.Flush()
}
