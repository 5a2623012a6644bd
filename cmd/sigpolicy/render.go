package main

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
	"github.com/sigpolicy/sigpolicy/policy"
)

func newRenderCmd() *cobra.Command {
	var (
		objects      objectFlags
		imageConfig  string
		outDir       string
		toStdout     bool
		releaseImage string
	)
	cmd := &cobra.Command{
		Use:   "render (-f PATH... | --cluster [--kubeconfig FILE] [--context NAME]) [--image-config FILE] [-o DIR | --stdout]",
		Short: "Render policy.json, per-namespace policies, registries.conf and registries.d exactly as the MCO does",
		Example: `  sigpolicy render -f examples/ -o rendered
  sigpolicy render -f examples/ --stdout

  # From the live cluster, with its release image for the MCO's blocked-registry rule
  sigpolicy render --cluster --release-image quay.io/openshift-release-dev/ocp-release@sha256:... -o rendered`,
		Long: `render validates the objects like "validate", applies the Machine Config
Operator's rules and writes, under DIR, the files the MCO puts on every node:

  etc/containers/policy.json
  etc/crio/policies/<namespace>.json
  etc/containers/registries.conf
  etc/containers/registries.conf.d/01-image-searchRegistries.conf
  etc/containers/registries.d/sigstore-registries.yaml

ImagePolicy scopes equal to or nested inside a ClusterImagePolicy scope are
dropped; several policies on one scope are ANDed; the cluster image configuration's
allowed and blocked registries go to policy.json, its insecure and blocked
registries and every ImageDigestMirrorSet, ImageTagMirrorSet and
ImageContentSourcePolicy to registries.conf, its containerRuntimeSearchRegistries
to the registries.conf.d drop-in; registries.d enables sigstore attachments for
every policy scope and every mirror it is pulled from. registries.conf and
policy.json are the MCO's templates when nothing changes them; the drop-in,
namespace and registries.d files exist only when there is something to write.

Nothing is written unless every object is valid; each file is replaced atomically.
It prints each ImagePolicy's resulting status condition and the findings (tag or
digest scopes that escape the MCO's conflict check).

Exit codes: 0 rendered, 1 an object is invalid or the MCO would refuse to render,
2 usage error, unreadable input or write failure, 4 the live cluster could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if toStdout && cmd.Flags().Changed("output") {
				return usageErr(errors.New("--stdout and -o are mutually exclusive"))
			}
			set, err := objects.load(cmd)
			if err != nil {
				return err
			}
			if imageConfig != "" {
				if set.ImageConfig != nil {
					return usageErr(fmt.Errorf("--image-config %s: the inputs already hold the cluster image configuration (%s)", imageConfig, set.ImageConfig.Source))
				}
				if set.ImageConfig, err = policy.LoadImageConfig(imageConfig, policy.LoadOptions{}); err != nil {
					return usageErr(err)
				}
			}
			out, errOut := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if len(set.Validate()) > 0 {
				n := report(out, errOut, set)
				return &exitError{code: exitRejected, err: fmt.Errorf("%d invalid object(s): nothing rendered", n)}
			}
			for _, n := range set.Notes {
				fmt.Fprintln(errOut, "note:", n)
			}
			for _, o := range set.Objects {
				for _, e := range o.TrustMaterialErrors() {
					fmt.Fprintf(errOut, "warning: %v (rendered as the MCO would; pulls under its scopes will be denied)\n", e)
				}
			}
			r, err := policy.Render(set, policy.RenderOptions{ReleaseImage: releaseImage})
			if err != nil {
				return &exitError{code: exitRejected, err: fmt.Errorf("nothing rendered: %w", err)}
			}
			for _, w := range r.Warnings {
				fmt.Fprintln(errOut, "warning:", safetext.String(w))
			}
			if toStdout {
				printFiles(out, r)
			} else {
				if err := r.WriteDir(outDir); err != nil {
					return usageErr(err)
				}
				files := r.Files()
				for _, p := range sortedPaths(files) {
					fmt.Fprintf(out, "wrote %s/%s\n", outDir, p)
				}
			}
			printStatuses(out, r)
			return nil
		},
	}
	objects.register(cmd, nil)
	cmd.Flags().StringVar(&imageConfig, "image-config", "", `cluster image configuration (kind Image, name "cluster") when the -f inputs lack it`)
	cmd.Flags().StringVarP(&outDir, "output", "o", "rendered", "directory to write the node files under")
	cmd.Flags().BoolVar(&toStdout, "stdout", false, "print the files instead of writing them")
	cmd.Flags().StringVar(&releaseImage, "release-image", "", "release payload pull spec: a blocked registry holding it is dropped unless the payload has an unblocked digest mirror, as the MCO does (default: the ClusterVersion's, when the inputs hold it)")
	return cmd
}

func sortedPaths(files map[string][]byte) []string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths
}

func printFiles(out io.Writer, r *policy.Rendered) {
	files := r.Files()
	for _, p := range sortedPaths(files) {
		fmt.Fprintf(out, "== %s\n%s\n", p, files[p])
	}
}

func printStatuses(out io.Writer, r *policy.Rendered) {
	for _, st := range r.Statuses {
		if len(st.Conditions) == 0 {
			fmt.Fprintf(out, "ImagePolicy %s/%s: no condition (all scopes applied)\n", st.Namespace, st.Name)
			continue
		}
		for _, c := range st.Conditions {
			fmt.Fprintf(out, "ImagePolicy %s/%s: %s=%s reason=%s message=%s\n", st.Namespace, st.Name, c.Type, c.Status, c.Reason, c.Message)
		}
	}
	for _, f := range r.Findings {
		fmt.Fprintf(out, "FINDING %s: %s\n", f.Type, f.Message)
	}
}
