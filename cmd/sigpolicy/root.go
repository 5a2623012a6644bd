package main

import (
	"github.com/spf13/cobra"
)

// subcommands are the root's commands, each built by its constructor (help
// lists them sorted).
var subcommands = []struct {
	name string
	new  func() *cobra.Command
}{
	{"version", newVersionCmd},
	{"fixtures", newFixturesCmd},
	{"validate", newValidateCmd},
	{"render", newRenderCmd},
	{"verify", newVerifyCmd},
	{"lint", newLintCmd},
	{"simulate", newSimulateCmd},
	{"bench", newBenchCmd},
	{"audit", newAuditCmd},
}

// newRootCmd is the whole command tree.
func newRootCmd() *cobra.Command { return newRootCmdFor(nil) }

// newRootCmdFor is the command tree for args (the command line after the
// program name): when args starts with a command's name, the root holds
// only that command, so that a one-shot run does not build every other
// command and its flags; otherwise (help, completion, a mistyped command)
// the whole tree.
func newRootCmdFor(args []string) *cobra.Command {
	root := &cobra.Command{
		Use:   "sigpolicy",
		Short: "Validate, render and enforce OpenShift sigstore image policies outside a cluster",
		Example: `  sigpolicy validate -f examples/
  sigpolicy verify quay.io/team/app:v1 -f examples/
  sigpolicy audit --cluster --release quay.io/openshift-release-dev/ocp-release:4.18.1-x86_64`,
		Long: `sigpolicy validates and renders ClusterImagePolicy and ImagePolicy resources
exactly as the API server and the Machine Config Operator do, and decides image
pulls as CRI-O and the containers image library would.

Exit codes: 0 success/allowed, 1 invalid or denied, 2 usage or input error,
3 could not decide (registry unreachable, timeout, authentication), 4 the live
cluster could not be read (--cluster, --kubeconfig).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, c := range subcommands {
		if len(args) > 0 && args[0] == c.name {
			root.AddCommand(c.new())
			return root
		}
	}
	for _, c := range subcommands {
		root.AddCommand(c.new())
	}
	return root
}
