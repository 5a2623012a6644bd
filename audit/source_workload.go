package audit

import (
	"iter"

	"github.com/sigpolicy/sigpolicy/simulate"
)

// Workloads yields the image of every container of the workloads simulate
// reads from paths (files, directories, "-" for opts.Stdin), in input
// order. The policy a run decides them under is the run's, whatever their
// namespace: simulate decides each namespace under its own. note, when
// set, is told of every document or file skipped (sanitised), which would
// otherwise vanish from the audit unseen.
func Workloads(opts simulate.LoadOptions, note func(string), paths ...string) iter.Seq2[Ref, error] {
	return func(yield func(Ref, error) bool) {
		inv, err := simulate.LoadWorkloads(opts, paths...)
		if err != nil {
			yield(Ref{}, err)
			return
		}
		if note != nil {
			for _, n := range inv.Notes {
				note(n.String())
			}
		}
		for _, c := range inv.Containers {
			from := "workload " + c.Workload.Namespace + "/" + c.Workload.Ref() + " " + string(c.Kind) + " " + c.Name
			if !yield(Ref{Image: c.Image, From: from}, nil) {
				return
			}
		}
	}
}
