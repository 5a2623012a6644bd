package simulate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/verify"
)

func sampleReport() *Report {
	w := Workload{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "team", Name: "web"}
	decision := func(o verify.Outcome, reason string) *verify.Decision {
		return &verify.Decision{Outcome: o, Allowed: o == verify.OutcomeAllowed, Reason: reason,
			Reference: "quay.io/x/y:1", PolicyFile: "rendered etc/crio/policies/team.json", Scope: "quay.io/x", ScopeKind: "namespace",
			Timings: verify.Timings{Total: 1500 * time.Microsecond}}
	}
	pull := func(name string, kind ContainerKind, image string, o verify.Outcome, reason string) Pull {
		p := Pull{Container: Container{Workload: w, Name: name, Kind: kind, Image: image}, Outcome: o, Reason: reason}
		if o != OutcomeError {
			p.Decision = decision(o, reason)
		}
		return p
	}
	return &Report{
		MediaType: ReportMediaType,
		Namespaces: []NamespaceReport{
			{
				Namespace:  "team",
				PolicyFile: "rendered etc/crio/policies/team.json",
				Findings:   []Finding{{Type: "TagDigestScopeOverridesClusterPolicy", Message: `scope "a" <b> & 'c'`}},
				Pulls: []Pull{
					pull("init", InitContainer, "quay.io/x/init:1", verify.OutcomeAllowed, ""),
					pull("app", RegularContainer, "quay.io/x/app:1", verify.OutcomeDenied, `A signature was required, but no signature exists <&"'>`+"\x00\x1b"),
					pull("dbg", EphemeralContainer, "quay.io/x/dbg:1", verify.OutcomeUndecided, "registry unreachable"),
					pull("bad", RegularContainer, "UPPER/case", OutcomeError, "invalid reference format"),
				},
			},
			{Namespace: "z", PolicyFile: "rendered etc/containers/policy.json", Pulls: []Pull{pull("c", RegularContainer, "nginx", verify.OutcomeAllowed, "")}},
		},
	}
}

func TestWriteJUnitRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), xml.Header) {
		t.Errorf("no XML header:\n%s", buf.String())
	}
	// Well-formed: a strict token walk reaches EOF without error.
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	dec.Strict = true
	for {
		if _, err := dec.Token(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("not well-formed XML: %v\n%s", err, buf.String())
			}
			break
		}
	}

	var got junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 5 || got.Failures != 1 || got.Errors != 2 || len(got.Suites) != 2 {
		t.Fatalf("testsuites tests/failures/errors/suites = %d/%d/%d/%d, want 5/1/2/2", got.Tests, got.Failures, got.Errors, len(got.Suites))
	}
	team := got.Suites[0]
	if team.Name != "team" || team.Tests != 4 || team.Failures != 1 || team.Errors != 2 || team.Time != "0.004" {
		t.Errorf("suite team = %+v", team)
	}
	wantProps := []junitProperty{
		{Name: "policyFile", Value: "rendered etc/crio/policies/team.json"},
		{Name: "finding.TagDigestScopeOverridesClusterPolicy", Value: `scope "a" <b> & 'c'`},
	}
	if d := diff(wantProps, team.Properties); d != "" {
		t.Errorf("properties: %s", d)
	}
	tests := []struct {
		desc, name, classname string
		failure, error        string // expected type attribute, "" for none
		message               string
	}{
		{"allowed init container", "init (init) quay.io/x/init:1", "team.Deployment/web", "", "", ""},
		{"denied, reason with markup and control characters", "app quay.io/x/app:1", "team.Deployment/web", "denied", "",
			`A signature was required, but no signature exists <&"'>\x00\x1b`}, // control characters escaped, visibly
		{"undecided is an error", "dbg (ephemeral) quay.io/x/dbg:1", "team.Deployment/web", "", "undecided", "registry unreachable"},
		{"unevaluated image is an error", "bad UPPER/case", "team.Deployment/web", "", "error", "invalid reference format"},
	}
	for i, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			c := team.Cases[i]
			if c.Name != tt.name || c.Classname != tt.classname {
				t.Errorf("name/classname = %q/%q, want %q/%q", c.Name, c.Classname, tt.name, tt.classname)
			}
			check := func(what string, p *junitProblem, wantType string) {
				if wantType == "" {
					if p != nil {
						t.Errorf("unexpected %s %+v", what, p)
					}
					return
				}
				if p == nil {
					t.Fatalf("no %s element", what)
				}
				if p.Type != wantType || p.Message != tt.message {
					t.Errorf("%s type/message = %q/%q, want %q/%q", what, p.Type, p.Message, wantType, tt.message)
				}
				if !strings.Contains(p.Text, "Deployment/web") {
					t.Errorf("%s text lacks the workload: %q", what, p.Text)
				}
			}
			check("failure", c.Failure, tt.failure)
			check("error", c.Error, tt.error)
		})
	}
}

func TestWriteTable(t *testing.T) {
	r := sampleReport()
	r.Summary = Summary{Pulls: 5, Allowed: 2, Denied: 1, Undecided: 1, Invalid: 1, Decisions: 5}
	var buf bytes.Buffer
	if err := WriteTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"NAMESPACE  WORKLOAD        CONTAINER",
		"team       Deployment/web  dbg (ephemeral)  quay.io/x/dbg:1",
		"undecided  registry unreachable",
		`finding: namespace team: TagDigestScopeOverridesClusterPolicy: scope "a" <b> & 'c'`,
		"5 pull(s) in 2 namespace(s), 5 decision(s): 2 allowed, 1 denied, 1 undecided, 1 invalid",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
