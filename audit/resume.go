package audit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/sigpolicy/sigpolicy/verify"
)

// maxLine bounds one JSON Lines record read back (resume, merge).
const maxLine = 4 << 20

// Resume holds the images an earlier run decided (any outcome but
// undecided): a 16-byte hash each, and its outcome, which still counts
// towards the exit code of the run that resumes.
type Resume struct {
	decided map[[16]byte]uint8 // index into resumableOutcomes
}

// resumableOutcomes are the outcomes a resumed image can have.
var resumableOutcomes = []string{string(verify.OutcomeAllowed), string(verify.OutcomeDenied), string(verify.OutcomeInvalidConfig), OutcomeInvalidReference}

// outcome is the outcome an earlier run recorded for the image of key k,
// "" when none.
func (r *Resume) outcome(k [16]byte) string {
	if r == nil {
		return ""
	}
	i, ok := r.decided[k]
	if !ok {
		return ""
	}
	return resumableOutcomes[i]
}

// key identifies an image: the first 16 bytes of the SHA-256 of its
// reference.
func key(image string) [16]byte {
	sum := sha256.Sum256([]byte(image))
	return [16]byte(sum[:16])
}

// Has reports whether image was decided.
func (r *Resume) Has(image string) bool { return r.outcome(key(image)) != "" }

// Len is the number of decided images.
func (r *Resume) Len() int {
	if r == nil {
		return 0
	}
	return len(r.decided)
}

// LoadResume reads an earlier JSON Lines output; a missing file is an
// empty one (the first run of a retried job). A last line cut short (the
// run was killed while writing it) is ignored; any other malformed line is
// an error.
func LoadResume(path string) (*Resume, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Resume{decided: map[[16]byte]uint8{}}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadResume(f, path)
}

// ReadResume is LoadResume on a reader; name is used in messages.
func ReadResume(r io.Reader, name string) (*Resume, error) {
	res := &Resume{decided: map[[16]byte]uint8{}}
	err := readLines(r, name, func(rec record) error {
		if rec.Result == nil || !rec.Result.Decided() {
			return nil
		}
		i := slices.Index(resumableOutcomes, rec.Result.Outcome)
		if i < 0 {
			return fmt.Errorf("%s:%d: outcome %q cannot be resumed", name, rec.Line, rec.Result.Outcome)
		}
		res.decided[key(rec.Result.Image)] = uint8(i)
		return nil
	})
	return res, err
}

// record is one JSON Lines line: a result, or the closing summary.
type record struct {
	Result  *Result
	Summary *Summary
	Line    int
}

// readLines calls fn for each record of r. A final line without its
// newline that does not parse is a write cut short and is skipped.
func readLines(r io.Reader, name string, fn func(record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		line, err := readLine(br)
		if err == io.EOF && len(line) == 0 {
			return nil
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
		truncated := err == io.EOF // no newline: the last line
		if len(bytes.TrimSpace(line)) == 0 {
			if truncated {
				return nil
			}
			continue
		}
		rec, perr := parseRecord(line)
		if perr != nil {
			if truncated {
				return nil
			}
			return fmt.Errorf("%s:%d: %w", name, n, perr)
		}
		rec.Line = n
		if err := fn(rec); err != nil {
			return err
		}
		if truncated {
			return nil
		}
	}
}

// readLine reads up to and without the next newline, within maxLine.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		switch err {
		case nil:
			return line[:len(line)-1], nil
		case bufio.ErrBufferFull:
			continue
		default:
			return line, err
		}
	}
}

func parseRecord(line []byte) (record, error) {
	// One decoding: a result's fields and the summary's key do not overlap.
	var rec struct {
		Summary *Summary `json:"summary"`
		Result
	}
	if err := json.Unmarshal(line, &rec); err != nil {
		return record{}, err
	}
	switch {
	case rec.Summary != nil:
		return record{Summary: rec.Summary}, nil
	case rec.Image != "" || rec.Outcome != "":
		if rec.Outcome == "" {
			return record{}, errors.New("result without an outcome")
		}
		return record{Result: &rec.Result}, nil
	}
	return record{}, errors.New("neither a result (image) nor a summary")
}
