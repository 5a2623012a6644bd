package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
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
	root.AddCommand(
		newVersionCmd(),
		newFixturesCmd(),
		newValidateCmd(),
		newRenderCmd(),
		newVerifyCmd(),
		newLintCmd(),
		newSimulateCmd(),
		newBenchCmd(),
		newAuditCmd(),
	)
	return root
}
