package audit

import (
	"bufio"
	"encoding/json"
	"io"
)

// JSONLines writes one JSON object per result, each flushed as it comes,
// then {"summary": …} (docs/audit.md).
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

func (j *JSONLines) Result(r Result) error {
	if err := j.enc.Encode(r); err != nil {
		return err
	}
	return j.w.Flush()
}

func (j *JSONLines) Close(s *Summary) error {
	if err := j.enc.Encode(struct {
		Summary *Summary `json:"summary"`
	}{s}); err != nil {
		return err
	}
	return j.w.Flush()
}
