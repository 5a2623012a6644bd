package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/lint"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

func newLintCmd() *cobra.Command {
	var (
		objects        objectFlags
		output         string
		registriesConf string
	)
	cmd := &cobra.Command{
		Use:   "lint (-f PATH... | --cluster [--kubeconfig FILE] [--context NAME])",
		Short: "Report what the MCO and CRI-O will make of ClusterImagePolicy and ImagePolicy objects",
		Example: `  sigpolicy lint -f examples/

  # With the default openshift policy of current clusters, as JSON
  sigpolicy lint -f examples/ --openshift-default-policy -o json

  # The policies of the live cluster
  sigpolicy lint --cluster`,
		Long: `lint validates ClusterImagePolicy and ImagePolicy objects as validate does, then
applies the Machine Config Operator's rules and reports what a platform engineer
must know before applying them:

  error    Invalid                        a validation error, as validate reports it
  error    UnloadableTrustMaterial        key or certificate data the node cannot load
                                          (every pull under the policy is denied)
  error    RenderRefused                  the MCO would refuse to render the set
                                          (cluster image configuration conflicts)
  warning  TagDigestScopeOverridesClusterPolicy
                                          an ImagePolicy tag or digest scope that the
                                          MCO does not see as nested inside a
                                          ClusterImagePolicy scope: it silently replaces
                                          the cluster policy in that namespace
  warning  ConflictingScopes              ImagePolicy scopes dropped for equalling or
                                          nesting inside a ClusterImagePolicy scope, with
                                          the status condition the MCO writes
  warning  V1Alpha1Manifest               an object written for config.openshift.io/v1alpha1,
                                          which current clusters no longer serve
  warning  ReservedName                   a user ClusterImagePolicy named "openshift…"
  warning  ScopeANDedWithReleasePolicy    a user ClusterImagePolicy on a scope of the
                                          release's default policy (--openshift-default-policy
                                          adds it): release images then need both signatures
  warning  MirrorWithoutSigstoreAttachments
                                          a mirror CRI-O may pull a sigstore-scoped image
                                          from while registries.d enables no sigstore
                                          attachments there: every such pull is denied
  info     ScopeRequiresAllPolicies       several policies on one scope: ANDed
  info     ScopeShadowsBroaderScope       a scope nested inside another one of the same
                                          policy file: the most specific wins, nothing
                                          is merged
  info     IdentityRejectsUntaggedSignatures
                                          MatchRepoDigestOrExact (written, or the default):
                                          a signature identity without a tag — what plain
                                          "cosign sign IMAGE@DIGEST" writes — is never
                                          accepted, not even for pulls by digest
  info     FulcioAcceptsOnlyEmailIdentities
                                          a Fulcio policy requires an email SAN, which CI
                                          workflow certificates do not carry

Output is one line per finding (-o text) or a JSON document (-o json):
{"findings": [{"severity", "type", "object", "source", "namespace", "scope",
"message"}], "summary": {"errors", "warnings", "info"}}.

Exit codes: 0 no finding of severity warning or error, 1 at least one, 2 usage
error or unreadable input, 4 the live cluster could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr(fmt.Errorf("--output must be text or json, not %q", output))
			}
			set, err := objects.load(cmd)
			if err != nil {
				return err
			}
			for _, n := range set.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
			}
			var opts lint.Options
			if registriesConf != "" {
				if opts.RegistriesConf, err = node.LoadRegistriesConf(registriesConf); err != nil {
					return usageErr(err)
				}
			}
			findings := lint.Run(set, opts)
			sum := lint.Summarize(findings)
			if output == "json" {
				err = writeLintJSON(cmd.OutOrStdout(), findings, sum)
			} else {
				err = writeLintText(cmd.OutOrStdout(), findings, sum)
			}
			if err != nil {
				return err
			}
			if sum.Fails() {
				return &exitError{code: exitRejected}
			}
			return nil
		},
	}
	objects.register(cmd, nil)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&registriesConf, "registries-conf", "", "check where signatures are read against this registries.conf (a node's own) instead of the rendered one")
	return cmd
}

// writeLintText prints one line per finding — validation errors exactly as
// validate prints them — and a summary line.
func writeLintText(w io.Writer, findings []lint.Finding, sum lint.Summary) error {
	for _, f := range findings {
		if f.Type == lint.TypeInvalid {
			fmt.Fprintln(w, "ERROR", f.Message)
			continue
		}
		fmt.Fprintf(w, "%s %s: %s\n", strings.ToUpper(string(f.Severity)), f.Type, f.Message)
	}
	_, err := fmt.Fprintf(w, "%d error(s), %d warning(s), %d info\n", sum.Errors, sum.Warnings, sum.Info)
	return err
}

func writeLintJSON(w io.Writer, findings []lint.Finding, sum lint.Summary) error {
	if findings == nil {
		findings = []lint.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings []lint.Finding `json:"findings"`
		Summary  lint.Summary   `json:"summary"`
	}{findings, sum})
}
