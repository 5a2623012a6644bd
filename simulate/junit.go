package simulate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/verify"
)

// The JUnit XML document: the schema CI systems (Jenkins, GitLab, GitHub
// reporters) read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Time       string          `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes r as JUnit XML: one testsuite per namespace (its policy
// file and findings as properties), one testcase per container image named
// "<container> <image>" in class "<namespace>.<Kind>/<name>" with the
// manifest's file, a failure for a denial and an error for every other
// outcome but allowed. Every text goes through safetext: XML would carry
// control characters and newlines escaped, and a reader would print them.
func WriteJUnit(w io.Writer, r *Report) error {
	doc := junitSuites{Name: "sigpolicy simulate"}
	text := safetext.String
	for _, ns := range r.Namespaces {
		s := junitSuite{Name: text(ns.Namespace), Properties: []junitProperty{{Name: "policyFile", Value: text(ns.PolicyFile)}}}
		for _, f := range ns.Findings {
			s.Properties = append(s.Properties, junitProperty{Name: "finding." + text(f.Type), Value: reasonText(f.Message)})
		}
		var total time.Duration
		for _, p := range ns.Pulls {
			c := junitCase{
				Name:      text(containerLabel(p.Container) + " " + p.Image),
				Classname: text(ns.Namespace + "." + p.Workload.Ref()),
				File:      text(p.Workload.Source.File),
			}
			if p.Decision != nil {
				c.Time = seconds(p.Decision.Timings.Total)
				total += p.Decision.Timings.Total
			} else {
				c.Time = seconds(0)
			}
			switch p.Outcome {
			case verify.OutcomeAllowed:
			case verify.OutcomeDenied:
				c.Failure = &junitProblem{Message: reasonText(p.Reason), Type: text(string(p.Outcome)), Text: problemText(p)}
				s.Failures++
			default:
				c.Error = &junitProblem{Message: reasonText(p.Reason), Type: text(string(p.Outcome)), Text: problemText(p)}
				s.Errors++
			}
			s.Cases = append(s.Cases, c)
		}
		s.Tests, s.Time = len(s.Cases), seconds(total)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// problemText is the body of a failure or error: the reason and where the
// decision came from, one escaped value per line.
func problemText(p Pull) string {
	text := safetext.String
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s\n", text(p.Workload.Ref()), text(containerLabel(p.Container)), text(string(p.Outcome)))
	if p.Reason != "" {
		fmt.Fprintf(&b, "reason: %s\n", reasonText(p.Reason))
	}
	if d := p.Decision; d != nil {
		fmt.Fprintf(&b, "reference: %s\n", text(d.Reference))
		if d.Digest != "" {
			fmt.Fprintf(&b, "digest: %s\n", text(d.Digest))
		}
		fmt.Fprintf(&b, "policy: %s, scope %q (%s)\n", text(d.PolicyFile), d.Scope, text(d.ScopeKind))
	}
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
