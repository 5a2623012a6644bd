package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/policy"
)

func newValidateCmd() *cobra.Command {
	var objects objectFlags
	cmd := &cobra.Command{
		Use:   "validate (-f PATH... | --cluster [--kubeconfig FILE] [--context NAME])",
		Short: "Validate image policies, mirror sets and the image config as the API server would",
		Example: `  sigpolicy validate -f examples/
  oc get clusterimagepolicy,imagepolicy -A -o yaml | sigpolicy validate -f -
  sigpolicy validate --cluster`,
		Long: `validate decodes the objects the Machine Config Operator renders node image
configuration from: ClusterImagePolicy, ImagePolicy, ImageDigestMirrorSet,
ImageTagMirrorSet, ImageContentSourcePolicy and the cluster Image config (YAML or
JSON, several documents per file, directories recursively, "-" for standard input,
List kinds, "oc get -o yaml" output, must-gather trees), or read-only from a live
cluster's API server (--cluster: $KUBECONFIG, ~/.kube/config or the pod's service
account, as kubectl; --kubeconfig and --context choose another). It applies every OpenAPI
and CEL rule of their CustomResourceDefinitions, with the API server's field paths
and messages. Unknown fields are errors (strict field validation, as kubectl apply
does). Other kinds are skipped with a note.

It prints "OK <kind> <name>" for each valid object and each error with its file,
document number and field path. Key and certificate data that pass the API
server's marker checks but that the node's containers library cannot load are
reported too: such a policy would deny every pull under its scopes.

Exit codes: 0 all valid, 1 an object is invalid, 2 usage error or unreadable input,
4 the cluster could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := objects.load(cmd)
			if err != nil {
				return err
			}
			if n := report(cmd.OutOrStdout(), cmd.ErrOrStderr(), set); n > 0 {
				return &exitError{code: exitRejected, err: fmt.Errorf("%d invalid object(s)", n)}
			}
			return nil
		},
	}
	objects.register(cmd, nil)
	return cmd
}

func addOpenShiftPolicyFlag(cmd *cobra.Command, include *bool) {
	cmd.Flags().BoolVar(include, "openshift-default-policy", false,
		`add the default ClusterImagePolicy "openshift" of current clusters (Red Hat's key on quay.io/openshift-release-dev release repositories) unless the inputs define it`)
}

func addFileFlag(cmd *cobra.Command, files *[]string) {
	cmd.Flags().StringArrayVarP(files, "filename", "f", nil,
		`file, directory (recursive: *.yaml, *.yml, *.json) or "-" for standard input; repeatable`)
}

// report prints notes, one OK line per valid object and every error; it
// returns the number of invalid objects.
func report(out, errOut io.Writer, set *policy.Set) int {
	for _, n := range set.Notes {
		fmt.Fprintln(errOut, "note:", n)
	}
	invalid := 0
	check := func(errs []*policy.FieldError, okLine string) {
		if len(errs) == 0 {
			fmt.Fprintln(out, okLine)
			return
		}
		invalid++
		for _, e := range errs {
			if !e.RulesSkipped() {
				fmt.Fprintln(out, "ERROR", e)
			}
		}
	}
	for _, o := range set.Objects {
		errs := o.Errors()
		if len(errs) == 0 {
			errs = o.TrustMaterialErrors()
		}
		line := fmt.Sprintf("OK %s %s", o.Kind, o.Ref())
		if o.BuiltIn {
			line += " (built-in default)"
		}
		check(errs, line)
	}
	for _, ms := range set.MirrorSets {
		check(ms.Errors(), fmt.Sprintf("OK %s %s", ms.Kind, ms.Ref()))
	}
	images := set.Images
	if ic := set.ImageConfig; ic != nil && !slices.Contains(images, ic) {
		images = append(images, ic)
	}
	for _, ic := range images {
		check(ic.Errors(), fmt.Sprintf("OK Image %s", ic.Image.Name))
	}
	return invalid
}
