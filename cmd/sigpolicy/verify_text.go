package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sigpolicy/sigpolicy/verify"
)

// writeDecisionText prints a one-line verdict, then the trace in the spirit
// of CRI-O's debug log. Without verbose, only failing checks are shown.
func writeDecisionText(w io.Writer, d *verify.Decision, verbose bool) {
	verdict := strings.ToUpper(string(d.Outcome))
	line := fmt.Sprintf("%-9s %s", verdict, d.Reference)
	switch {
	case d.ListDigest != "":
		line += " (platform instance " + d.Digest + ")"
	case d.Digest != "" && !strings.Contains(d.Reference, "@"):
		line += "@" + d.Digest
	}
	if d.Reason != "" {
		line += ": " + d.Reason
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "  policy      %s\n", d.PolicyFile)
	if d.ScopeKind == "default" {
		fmt.Fprintf(w, "  scope       none of transport %q matched: the policy's default applies\n", d.Transport)
	} else {
		fmt.Fprintf(w, "  scope       %q (%s) of transport %q\n", d.Scope, d.ScopeKind, d.Transport)
	}
	if a := d.Attachments; a != nil {
		if a.Enabled {
			fmt.Fprintf(w, "  attachments %s:%s: %d signature(s)\n", a.Repository, a.Tag, a.Count)
		} else {
			fmt.Fprintf(w, "  attachments not read: use-sigstore-attachments is not enabled for %s in registries.d\n", a.Repository)
		}
	}
	if d.Cached {
		fmt.Fprintln(w, "  cache       signature verdict reused for this digest")
	}
	for i, r := range d.Requirements {
		state := "allowed"
		if !r.Allowed {
			state = "denied"
		}
		fmt.Fprintf(w, "  requirement %d %s: %s", i+1, r.Type, state)
		if !r.Allowed {
			fmt.Fprintf(w, " [%s]: %s", r.Code, r.Reason)
		}
		fmt.Fprintln(w)
		for _, s := range r.Signatures {
			state := "rejected"
			if s.Accepted {
				state = "accepted"
			}
			fmt.Fprintf(w, "    signature %d %s: %s", s.Index+1, s.LayerDigest, state)
			if !s.Accepted {
				fmt.Fprintf(w, " [%s]: %s", s.Code, s.Reason)
			}
			fmt.Fprintln(w)
			for _, c := range s.Checks {
				if c.Passed && !verbose {
					continue
				}
				mark := "ok  "
				if !c.Passed {
					mark = "FAIL"
				}
				fmt.Fprintf(w, "      %s %s", mark, c.Name)
				if c.Expected != "" || c.Got != "" {
					fmt.Fprintf(w, ": expected %s, got %s", orNone(c.Expected), orNone(c.Got))
				}
				fmt.Fprintln(w)
			}
		}
	}
	for _, warning := range d.Warnings {
		fmt.Fprintf(w, "  warning     %s\n", warning)
	}
	if d.NotEvaluated > 0 {
		fmt.Fprintf(w, "  (%d later requirement(s) not evaluated: the first denial decides)\n", d.NotEvaluated)
	}
	if verbose {
		for _, r := range d.Requests {
			fmt.Fprintf(w, "  request     %s %s -> %d (%d bytes, %s)\n", r.Method, r.URL, r.Status, r.Bytes, r.Duration.Round(time.Microsecond))
		}
	}
	t := d.Timings
	fmt.Fprintf(w, "  time        total %s (resolve %s, signatures %s, verify %s), %d request(s)\n",
		round(t.Total), round(t.Resolve), round(t.Signatures), round(t.Verify), len(d.Requests))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
