package simulate

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// WriteJSON writes r as one indented JSON document.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes one row per pull (namespace, workload, container,
// image, verdict, reason), then the findings of each namespace, the
// warnings and a summary line. Every text goes through safetext: reasons
// quote what registries send, names come from input files.
func WriteTable(w io.Writer, r *Report) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tWORKLOAD\tCONTAINER\tIMAGE\tVERDICT\tREASON")
	text := safetext.String
	for _, ns := range r.Namespaces {
		for _, p := range ns.Pulls {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", text(ns.Namespace), text(p.Workload.Ref()), text(containerLabel(p.Container)),
				text(p.Image), text(string(p.Outcome)), reasonText(oneLine(p.Reason)))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, ns := range r.Namespaces {
		for _, f := range ns.Findings {
			fmt.Fprintf(w, "finding: namespace %s: %s: %s\n", text(ns.Namespace), text(f.Type), reasonText(f.Message))
		}
	}
	for _, warning := range r.Warnings {
		fmt.Fprintln(w, "warning:", reasonText(warning))
	}
	s := r.Summary
	_, err := fmt.Fprintf(w, "%d pull(s) in %d namespace(s), %d decision(s): %d allowed, %d denied, %d undecided, %d invalid\n",
		s.Pulls, len(r.Namespaces), s.Decisions, s.Allowed, s.Denied, s.Undecided, s.Invalid)
	return err
}

// containerLabel is the container's name, marked when it is not a regular
// container ("setup (init)").
func containerLabel(c Container) string {
	switch c.Kind {
	case InitContainer:
		return c.Name + " (init)"
	case EphemeralContainer:
		return c.Name + " (ephemeral)"
	}
	return c.Name
}

// reasonText escapes a reason or message, which may list many signatures'
// reasons.
func reasonText(r string) string { return safetext.Capped(r, 8*safetext.MaxLen) }

// oneLine keeps a table row on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
