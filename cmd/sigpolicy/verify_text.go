package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/verify"
)

// writeDecisionText prints a one-line verdict, then the trace in the spirit
// of CRI-O's debug log. Without verbose, only failing checks are shown.
// Every text is passed through safetext once more: the engine already
// escapes what registries and signatures control, and a Decision may come
// from elsewhere (a cache, an embedder).
func writeDecisionText(w io.Writer, d *verify.Decision, verbose bool) {
	s := safetext.String
	verdict := strings.ToUpper(s(string(d.Outcome)))
	line := fmt.Sprintf("%-9s %s", verdict, s(d.Reference))
	switch {
	case d.ListDigest != "":
		line += " (platform instance " + s(d.Digest) + ")"
	case d.Digest != "" && !strings.Contains(d.Reference, "@"):
		line += "@" + s(d.Digest)
	}
	if d.Reason != "" {
		line += ": " + reason(d.Reason)
	}
	fmt.Fprintln(w, line)
	fmt.Fprintf(w, "  policy      %s\n", s(d.PolicyFile))
	if d.ScopeKind == "default" {
		fmt.Fprintf(w, "  scope       none of transport %q matched: the policy's default applies\n", d.Transport)
	} else {
		fmt.Fprintf(w, "  scope       %q (%s) of transport %q\n", d.Scope, s(d.ScopeKind), d.Transport)
	}
	if a := d.Attachments; a != nil {
		if a.Enabled {
			fmt.Fprintf(w, "  attachments %s:%s: %d signature(s)\n", s(a.Repository), s(a.Tag), a.Count)
		} else {
			fmt.Fprintf(w, "  attachments not read: use-sigstore-attachments is not enabled for %s in registries.d\n", s(a.Repository))
		}
	}
	for _, c := range d.Candidates {
		fmt.Fprintf(w, "  candidate   %s: %s", s(c.Reference), c.Outcome)
		if c.Reason != "" {
			fmt.Fprintf(w, " (%s)", s(c.Reason))
		}
		fmt.Fprintln(w)
	}
	for _, n := range d.Notes {
		fmt.Fprintf(w, "  note        %s\n", s(n))
	}
	switch {
	case d.Stale:
		fmt.Fprintf(w, "  cache       verdict reused WITHOUT asking the registry (stale cache: last proven current %s ago)\n", d.CacheAge.Round(time.Millisecond))
	case d.Cached:
		fmt.Fprintln(w, "  cache       verdict reused: the registry still serves the same image and .sig attachment")
	}
	for i, r := range d.Requirements {
		fmt.Fprintf(w, "  requirement %d %s: %s", i+1, s(r.Type), r.Outcome)
		if !r.Allowed {
			fmt.Fprintf(w, " [%s]: %s", s(string(r.Code)), reason(r.Reason))
		}
		fmt.Fprintln(w)
		for _, sig := range r.Signatures {
			state := "rejected"
			if sig.Accepted {
				state = "accepted"
			}
			fmt.Fprintf(w, "    signature %d %s: %s", sig.Index+1, s(sig.LayerDigest), state)
			if !sig.Accepted {
				fmt.Fprintf(w, " [%s]: %s", s(string(sig.Code)), s(sig.Reason))
			}
			fmt.Fprintln(w)
			for _, c := range sig.Checks {
				if c.Passed && !verbose {
					continue
				}
				mark := "ok  "
				if !c.Passed {
					mark = "FAIL"
				}
				fmt.Fprintf(w, "      %s %s", mark, s(c.Name))
				if c.Expected != "" || c.Got != "" {
					fmt.Fprintf(w, ": expected %s, got %s", orNone(s(c.Expected)), orNone(s(c.Got)))
				}
				fmt.Fprintln(w)
				if c.Hint != "" {
					fmt.Fprintf(w, "           why: %s\n", s(c.Hint))
				}
			}
		}
	}
	for _, warning := range d.Warnings {
		fmt.Fprintf(w, "  warning     %s\n", s(warning))
	}
	if d.NotEvaluated > 0 {
		fmt.Fprintf(w, "  (%d later requirement(s) not evaluated: the first denial decides)\n", d.NotEvaluated)
	}
	if verbose {
		for _, r := range d.Requests {
			fmt.Fprintf(w, "  request     %s %s -> %d (%d bytes, %s)\n", s(r.Method), s(r.URL), r.Status, r.Bytes, r.Duration.Round(time.Microsecond))
		}
	}
	t := d.Timings
	fmt.Fprintf(w, "  time        total %s (resolve %s, signatures %s, verify %s), %d request(s)\n",
		round(t.Total), round(t.Resolve), round(t.Signatures), round(t.Verify), len(d.Requests))
}

// reason escapes a reason, which may list many signatures' reasons.
func reason(r string) string { return safetext.Capped(r, 8*safetext.MaxLen) }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
