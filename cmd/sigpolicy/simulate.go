package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/simulate"
)

type simulateFlags struct {
	source           sourceFlags
	workloads        []string
	defaultNamespace string
	output           string
	registry         registryFlags
}

func newSimulateCmd() *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate (-f PATH... | --cluster | --root DIR | --policy FILE) --workload PATH...",
		Short: "Decide every image pull of whole workloads, namespace by namespace, before rollout",
		Example: `  sigpolicy simulate -f examples/ --workload deploy/
  oc get deploy,cronjob -A -o yaml | sigpolicy simulate --cluster --workload - -o junit > simulate.xml`,
		Long: `simulate reads Kubernetes workload manifests (Pod, Deployment, StatefulSet,
DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, DeploymentConfig and
Lists of them; several documents per file, directories recursively, "-" for
standard input) and decides the pull of every image of their containers,
initContainers and ephemeralContainers as CRI-O would under the cluster's
configuration, which comes from exactly one of (compiled once):
  -f PATH...            cluster objects (ClusterImagePolicy, ImagePolicy, ...),
                        rendered as the MCO does; "-" reads them from standard
                        input, unless --workload reads it
  --cluster             the same objects read from a live cluster (--kubeconfig,
                        --context)
  --root DIR            a node's files under DIR/etc
  --policy FILE         a policy.json, with --registries-d DIR

Each workload runs in its metadata.namespace (--default-namespace when it has
none). A namespace with its own /etc/crio/policies/<namespace>.json is decided
under it, any other under the cluster's /etc/containers/policy.json; each distinct image is decided once per policy
file. A namespace policy file that cannot be read fails that namespace's pulls
(invalid-configuration), as in CRI-O, and no other. The MCO's tag/digest hole
(an ImagePolicy tag or digest scope silently overriding a ClusterImagePolicy in
its namespace) is reported on the namespaces it affects.

Output: a table (namespace, workload, container, image, verdict, reason),
-o json (the report with every decision's trace) or -o junit (one testsuite per
namespace, one testcase per container image; a failure for a denial, an error
for a pull that could not be decided).

Exit codes: 0 every pull allowed; 1 at least one denied by policy; 2 usage
error, unreadable input, invalid policy or an image reference that does not
parse; 3 a pull could not be decided (registry unreachable, timeout,
authentication); 4 the live cluster could not be read (--cluster,
--kubeconfig). The highest code wins.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(cmd, &f)
		},
	}
	fl := cmd.Flags()
	f.source.register(cmd, nil)
	fl.StringArrayVar(&f.workloads, "workload", nil, `workload manifest file, directory (recursive: *.yaml, *.yml, *.json) or "-" for standard input; repeatable`)
	fl.StringVar(&f.defaultNamespace, "default-namespace", simulate.DefaultNamespace, "namespace of workloads whose manifest names none")
	fl.StringVarP(&f.output, "output", "o", "table", "output format: table, json or junit")
	f.registry.register(fl, "registries.conf (v2) with mirrors, instead of the source's: the rendered one for cluster objects, DIR/etc/containers/registries.conf (and .d) for --root, none for --policy", "decisions in flight, across every namespace")
	return cmd
}

func runSimulate(cmd *cobra.Command, f *simulateFlags) error {
	switch {
	case f.output != "table" && f.output != "json" && f.output != "junit":
		return usageErr(fmt.Errorf("--output must be table, json or junit, not %q", f.output))
	case len(f.workloads) == 0:
		return usageErr(fmt.Errorf("at least one --workload PATH is required"))
	}
	if err := stdinOnce(pathFlag{"-f", f.source.objects.files}, pathFlag{"--workload", f.workloads}); err != nil {
		return usageErr(err)
	}
	if err := f.registry.check(); err != nil {
		return usageErr(err)
	}
	inv, err := simulate.LoadWorkloads(simulate.LoadOptions{DefaultNamespace: f.defaultNamespace, Stdin: cmd.InOrStdin()}, f.workloads...)
	if err != nil {
		return usageErr(err)
	}
	compiled, err := f.source.compile(cmd, f.registry.registriesConf)
	if err != nil {
		return err
	}
	report, err := simulate.Run(cmd.Context(), compiled, inv, simulate.Options{
		FetchOptions: f.registry.fetchOptions(),
		Concurrency:  f.registry.concurrency,
		Timeout:      f.registry.timeout,
	})
	if err != nil {
		return usageErr(err)
	}

	errOut := cmd.ErrOrStderr()
	for _, n := range report.Notes {
		fmt.Fprintln(errOut, "note:", n)
	}
	out := cmd.OutOrStdout()
	switch f.output {
	case "json":
		err = simulate.WriteJSON(out, report)
	case "junit":
		for _, w := range report.Warnings {
			fmt.Fprintln(errOut, "warning:", w)
		}
		err = simulate.WriteJUnit(out, report)
	default:
		err = simulate.WriteTable(out, report)
	}
	if err != nil {
		return err
	}
	code := exitOK
	for _, o := range report.Outcomes() {
		code = max(code, exitCodeFor(o))
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}
