package audit

import (
	"iter"

	"github.com/sigpolicy/sigpolicy/simulate"
)

// Workloads yields the image of every container of the workloads simulate
// reads from paths (files, directories, "-" for opts.Stdin), in input
// order. The policy a run decides them under is the run's, whatever their
// namespace: simulate decides each namespace under its own.
func Workloads(opts simulate.LoadOptions, paths ...string) iter.Seq2[Ref, error] {
	return func(yield func(Ref, error) bool) {
		inv, err := simulate.LoadWorkloads(opts, paths...)
		if err != nil {
			yield(Ref{}, err)
			return
		}
		for _, c := range inv.Containers {
			from := "workload " + c.Workload.Namespace + "/" + c.Workload.Ref() + " " + string(c.Kind) + " " + c.Name
			if !yield(Ref{Image: c.Image, From: from}, nil) {
				return
			}
		}
	}
}
