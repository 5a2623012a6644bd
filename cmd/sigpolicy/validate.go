package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/policy"
)

func newValidateCmd() *cobra.Command {
	var files []string
	cmd := &cobra.Command{
		Use:   "validate -f PATH...",
		Short: "Validate ClusterImagePolicy and ImagePolicy objects as the API server would",
		Long: `validate decodes ClusterImagePolicy and ImagePolicy objects (YAML or JSON, several
documents per file, directories recursively, "-" for standard input, List kinds)
and applies every OpenAPI and CEL rule of their CustomResourceDefinitions, with the
API server's field paths and messages. Unknown fields are errors (strict field
validation, as kubectl apply does). Other kinds are skipped with a note.

It prints "OK <kind> <name>" for each valid object and each error with its file,
document number and field path. Key and certificate data that pass the API
server's marker checks but that the node's containers library cannot load are
reported too: such a policy would deny every pull under its scopes.

Exit codes: 0 all valid, 1 an object is invalid, 2 usage error or unreadable input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := loadSet(cmd, files)
			if err != nil {
				return err
			}
			if n := report(cmd.OutOrStdout(), cmd.ErrOrStderr(), set); n > 0 {
				return &exitError{code: exitRejected, err: fmt.Errorf("%d invalid object(s)", n)}
			}
			return nil
		},
	}
	addFileFlag(cmd, &files)
	return cmd
}

func addFileFlag(cmd *cobra.Command, files *[]string) {
	cmd.Flags().StringArrayVarP(files, "filename", "f", nil,
		`file, directory (recursive: *.yaml, *.yml, *.json) or "-" for standard input; repeatable`)
}

// loadSet loads the -f inputs; unreadable or unparsable input is a usage error.
func loadSet(cmd *cobra.Command, files []string) (*policy.Set, error) {
	if len(files) == 0 {
		return nil, usageErr(errors.New("at least one -f PATH is required"))
	}
	set, err := policy.LoadWithOptions(policy.LoadOptions{Stdin: cmd.InOrStdin()}, files...)
	if err != nil {
		return nil, usageErr(err)
	}
	return set, nil
}

// report prints notes, one OK line per valid object and every error; it
// returns the number of invalid objects.
func report(out, errOut io.Writer, set *policy.Set) int {
	for _, n := range set.Notes {
		fmt.Fprintln(errOut, "note:", n)
	}
	invalid := 0
	for _, o := range set.Objects {
		errs := o.Errors()
		if len(errs) == 0 {
			errs = o.TrustMaterialErrors()
		}
		if len(errs) == 0 {
			fmt.Fprintf(out, "OK %s %s\n", o.Kind, o.Ref())
			continue
		}
		invalid++
		for _, e := range errs {
			fmt.Fprintln(out, "ERROR", e)
		}
	}
	if ic := set.ImageConfig; ic != nil {
		errs := ic.Errors()
		for _, e := range errs {
			fmt.Fprintln(out, "ERROR", e)
		}
		if len(errs) > 0 {
			invalid++
		} else {
			fmt.Fprintf(out, "OK Image %s\n", ic.Image.Name)
		}
	}
	return invalid
}
