package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/verify"
	"github.com/spf13/cobra"
)

type verifyFlags struct {
	source    sourceFlags
	namespace string
	output    string
	verbose   bool
	registry  registryFlags
}

func newVerifyCmd() *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify IMAGE...",
		Short: "Decide image pulls as CRI-O would, and explain the decision",
		Example: `  # Under policy objects, in namespace team-a
  sigpolicy verify quay.io/team/app:v1 -f examples/ -n team-a

  # Under a node's files, with every check and request
  sigpolicy verify -v registry.example.com/app@sha256:... --root /host

  # Under the live cluster's policies and mirrors, as JSON
  sigpolicy verify quay.io/team/app:v1 --cluster -n team-a -o json`,
		Long: `verify decides, for each image reference, whether CRI-O would allow the pull
under the given policy, and prints the trace: the policy file used, the scope
that matched, where cosign attachments were looked for, and each signature's
checks (expected vs. got).

The policy comes from exactly one of:
  -f PATH...            cluster objects (ClusterImagePolicy, ImagePolicy, mirror sets, the
                        Image config), rendered as the MCO does (with -n, that namespace's
                        policy)
  --cluster             the same objects read, read-only, from a live cluster's API server
                        (--kubeconfig FILE, --context NAME choose another than kubectl's)
  --root DIR            a node's files: DIR/etc/crio/policies/<namespace>.json when it exists,
                        else DIR/etc/containers/policy.json, plus DIR/etc/containers/registries.d
                        and registries.conf
  --policy FILE         a policy.json, with --registries-d DIR for the attachment settings

A short name (busybox:1) is tried under registries.conf's aliases and
unqualified-search-registries in order, as CRI-O pulls it: the first candidate
the policy allows and the registry serves is the one decided.

Exit codes: 0 every image allowed; 1 at least one denied by policy or by an
untrustworthy registry answer; 2 usage error or invalid policy/configuration;
3 could not decide (registry unreachable, timeout, authentication refused,
image not found); 4 the cluster could not be read. With several images the
highest code wins.`,
		Args: func(_ *cobra.Command, images []string) error {
			if len(images) == 0 {
				return usageErr(errors.New("verify needs at least one IMAGE"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, images []string) error {
			return runVerify(cmd, &f, images)
		},
	}
	fl := cmd.Flags()
	f.source.register(cmd, &f.namespace)
	fl.StringVarP(&f.namespace, "namespace", "n", "", "namespace whose ImagePolicies apply (with cluster objects or --root)")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	f.registry.register(fl, "registries.conf (v2) with mirrors, instead of the source's: the rendered one for cluster objects, DIR/etc/containers/registries.conf (and .d) for --root, none for --policy",
		"images decided at once")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "show every check and network request")
	return cmd
}

func runVerify(cmd *cobra.Command, f *verifyFlags, images []string) error {
	if f.output != "text" && f.output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", f.output))
	}
	if err := f.registry.check(); err != nil {
		return usageErr(err)
	}
	if err := f.source.checkNamespace(f.namespace); err != nil {
		return err
	}
	compiled, err := f.source.compile(cmd, f.registry.registriesConf)
	if err != nil {
		return err
	}
	cfg, err := compiled.Node(f.namespace)
	if err != nil {
		return usageErr(err)
	}
	engine, err := verify.New(cfg, verify.WithFetchOptions(f.registry.fetchOptions()...))
	if err != nil {
		return usageErr(err)
	}
	for _, cerr := range engine.ConfigErrors() {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", cerr)
	}

	results := engine.VerifyAll(cmd.Context(), images, verify.BatchOptions{
		Concurrency: f.registry.concurrency,
		Timeout:     f.registry.timeout,
	})
	code := exitOK
	out := cmd.OutOrStdout()
	var decisions []*verify.Decision
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", safetext.String(r.Image), excerpt(r.Err.Error()))
			code = max(code, exitUsage)
			continue
		}
		code = max(code, exitCodeFor(r.Decision.Outcome))
		decisions = append(decisions, r.Decision)
		if f.output == "text" {
			writeDecisionText(out, r.Decision, f.verbose)
		}
	}
	if f.output == "json" {
		if err := writeDecisionsJSON(out, decisions); err != nil {
			return err
		}
	}
	if code != exitOK {
		return &exitError{code: code}
	}
	return nil
}

func exitCodeFor(o verify.Outcome) int {
	switch o {
	case verify.OutcomeAllowed:
		return exitOK
	case verify.OutcomeDenied:
		return exitRejected
	case verify.OutcomeUndecided:
		return exitUndecided
	default:
		return exitUsage
	}
}

// writeDecisionsJSON prints one JSON document: {"decisions": [...]}.
func writeDecisionsJSON(w io.Writer, ds []*verify.Decision) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Decisions []*verify.Decision `json:"decisions"`
	}{ds})
}
