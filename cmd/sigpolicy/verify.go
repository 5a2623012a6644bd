package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/verify"
	"github.com/spf13/cobra"
)

type verifyFlags struct {
	files          []string
	namespace      string
	root           string
	policyFile     string
	registriesD    string
	registriesConf string
	output         string
	platform       string
	timeout        time.Duration
	authfile       string
	insecure       []string
	concurrency    int
	verbose        bool
}

func newVerifyCmd() *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify IMAGE...",
		Short: "Decide image pulls as CRI-O would, and explain the decision",
		Long: `verify decides, for each image reference, whether CRI-O would allow the pull
under the given policy, and prints the trace: the policy file used, the scope
that matched, where cosign attachments were looked for, and each signature's
checks (expected vs. got).

The policy comes from exactly one of:
  -f PATH...            ClusterImagePolicy/ImagePolicy resources, rendered as the MCO does
                        (with --namespace, that namespace's policy)
  --root DIR            a node's files: DIR/etc/crio/policies/<namespace>.json when it exists,
                        else DIR/etc/containers/policy.json, plus DIR/etc/containers/registries.d
  --policy FILE         a policy.json, with --registries-d DIR for the attachment settings

Exit codes: 0 every image allowed; 1 at least one denied by policy; 2 usage
error or invalid policy/configuration; 3 could not decide (registry
unreachable, timeout, authentication failure). With several images the
highest code wins.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, images []string) error {
			return runVerify(cmd, &f, images)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVarP(&f.files, "filename", "f", nil, "ClusterImagePolicy/ImagePolicy files or directories (\"-\" for stdin)")
	fl.StringVar(&f.namespace, "namespace", "", "namespace whose ImagePolicies apply (with -f or --root)")
	fl.StringVar(&f.root, "root", "", "root directory of a node's files")
	fl.StringVar(&f.policyFile, "policy", "", "policy.json to enforce")
	fl.StringVar(&f.registriesD, "registries-d", "", "registries.d directory (with --policy)")
	fl.StringVar(&f.registriesConf, "registries-conf", "", "registries.conf (v2) with mirrors (default: none; with --root, DIR/etc/containers/registries.conf when it exists)")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.StringVar(&f.platform, "platform", "linux/amd64", "platform picked from manifest lists (os/arch[/variant])")
	fl.DurationVar(&f.timeout, "timeout", 60*time.Second, "deadline for each image's decision")
	fl.StringVar(&f.authfile, "authfile", "", "registry credentials (default: $REGISTRY_AUTH_FILE, then ~/.docker/config.json)")
	fl.StringSliceVar(&f.insecure, "insecure-registry", nil, "registry host[:port] reached over plain HTTP (loopback hosts always are)")
	fl.IntVar(&f.concurrency, "concurrency", 8, "images decided at once")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "show every check and network request")
	return cmd
}

func runVerify(cmd *cobra.Command, f *verifyFlags, images []string) error {
	if f.output != "text" && f.output != "json" {
		return usageErr(fmt.Errorf("--output must be text or json, not %q", f.output))
	}
	if f.concurrency < 1 {
		return usageErr(fmt.Errorf("--concurrency must be at least 1"))
	}
	fetchOpts := []fetch.Option{
		fetch.WithPlatform(f.platform),
		fetch.WithInsecureRegistries(f.insecure...),
	}
	if f.authfile != "" {
		fetchOpts = append(fetchOpts, fetch.WithAuthFile(f.authfile))
	}
	src := verify.Source{
		Resources:      f.files,
		Namespace:      f.namespace,
		Root:           f.root,
		PolicyFile:     f.policyFile,
		RegistriesD:    f.registriesD,
		RegistriesConf: f.registriesConf,
	}
	engine, err := verify.Load(src, fetchOpts)
	if err != nil {
		return usageErr(err)
	}
	for _, cerr := range engine.ConfigErrors() {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", cerr)
	}

	results := engine.VerifyAll(cmd.Context(), images, verify.BatchOptions{
		Concurrency: f.concurrency,
		Timeout:     f.timeout,
	})
	code := exitOK
	out := cmd.OutOrStdout()
	var decisions []*verify.Decision
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", r.Image, r.Err)
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
