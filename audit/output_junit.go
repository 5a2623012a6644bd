package audit

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"os"

	"github.com/sigpolicy/sigpolicy/verify"
)

// JUnit writes one testsuite with a testcase per image: a failure for a
// denial, an error for an image that could not be decided. Test cases are
// spooled to a temporary file so that the counts can head the suite
// without holding the results in memory.
type JUnit struct {
	w     io.Writer
	spool *os.File
	buf   *bufio.Writer
	enc   *xml.Encoder
}

// NewJUnit writes to w; the spool file goes in os.TempDir().
func NewJUnit(w io.Writer) (*JUnit, error) {
	f, err := os.CreateTemp("", "sigpolicy-audit-junit-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name()) // unlinked: gone when closed, whatever happens
	buf := bufio.NewWriter(f)
	return &JUnit{w: w, spool: f, buf: buf, enc: xml.NewEncoder(buf)}, nil
}

type junitCase struct {
	XMLName   xml.Name      `xml:"testcase"`
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Output    string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func (j *JUnit) Result(r Result) error {
	c := junitCase{Name: clean(r.Image), Classname: "sigpolicy.audit"}
	if r.Source != "" {
		c.Output = "served by " + clean(r.Source)
	}
	if !r.Allowed {
		p := &junitProblem{Message: clean(string(r.Cause) + ": " + r.Reason), Type: string(r.Cause),
			Text: clean(r.Reason) + "\nfix: " + clean(r.Remedy)}
		for _, n := range r.Notes {
			p.Text += "\nnote: " + clean(n)
		}
		if r.Outcome == string(verify.OutcomeDenied) {
			c.Failure = p
		} else {
			c.Error = p
		}
	}
	if err := j.enc.Encode(c); err != nil {
		return err
	}
	return j.enc.Flush()
}

// Discard releases the spool file of a run that failed.
func (j *JUnit) Discard() { j.spool.Close() }

func (j *JUnit) Close(s *Summary) error {
	defer j.spool.Close()
	if err := j.buf.Flush(); err != nil {
		return err
	}
	if _, err := j.spool.Seek(0, io.SeekStart); err != nil {
		return err
	}
	failures := s.Outcomes[string(verify.OutcomeDenied)]
	errs := s.Images - failures - s.Outcomes[string(verify.OutcomeAllowed)]
	if _, err := fmt.Fprintf(j.w, "%s<testsuites name=\"sigpolicy audit\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">\n"+
		"<testsuite name=\"sigpolicy audit\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"0\" time=\"%.3f\">\n",
		xml.Header, s.Images, failures, errs, s.Seconds, s.Images, failures, errs, s.Seconds); err != nil {
		return err
	}
	if _, err := io.Copy(j.w, j.spool); err != nil {
		return err
	}
	_, err := io.WriteString(j.w, "\n</testsuite>\n</testsuites>\n")
	return err
}
