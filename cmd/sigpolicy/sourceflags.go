package main

import (
	"errors"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/policy"
)

// sourceFlags say where the cluster configuration of the commands that
// decide pulls (verify, simulate) comes from: cluster objects (-f), a node
// root (--root) or a policy file (--policy).
type sourceFlags struct {
	files       []string
	withDefault bool
	root        string
	policyFile  string
	registriesD string
}

func (s *sourceFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	addFileFlag(cmd, &s.files)
	addOpenShiftPolicyFlag(cmd, &s.withDefault)
	fl.StringVar(&s.root, "root", "", "root directory of a node's files")
	fl.StringVar(&s.policyFile, "policy", "", "policy.json to enforce")
	fl.StringVar(&s.registriesD, "registries-d", "", "registries.d directory (with --policy)")
}

// readsStdin reports whether the policy source is standard input.
func (s *sourceFlags) readsStdin() bool { return slices.Contains(s.files, "-") }

// compile loads and compiles the configuration once; every failure is a
// usage or input error (exit 2), worded with the flags.
func (s *sourceFlags) compile(cmd *cobra.Command, registriesConf string) (*cluster.Compiled, error) {
	compiled, err := cluster.Load(cluster.Source{
		Objects:        s.files,
		Load:           policy.LoadOptions{Stdin: cmd.InOrStdin(), IncludeOpenShiftDefault: s.withDefault},
		Root:           s.root,
		PolicyFile:     s.policyFile,
		RegistriesD:    s.registriesD,
		RegistriesConf: registriesConf,
	})
	switch {
	case errors.Is(err, cluster.ErrNoSource), errors.Is(err, cluster.ErrManySources):
		return nil, usageErr(errors.New("exactly one policy source is needed: -f PATH... (cluster objects), --root DIR (a node's files) or --policy FILE"))
	case errors.Is(err, cluster.ErrRegistriesDWithoutPolicyFile):
		return nil, usageErr(errors.New("--registries-d goes with --policy; -f and --root bring their own registries.d"))
	case err != nil:
		return nil, usageErr(err)
	case s.withDefault && len(s.files) == 0:
		return nil, usageErr(errors.New("--openshift-default-policy goes with -f: node files already hold what the cluster rendered"))
	}
	return compiled, nil
}

// checkNamespace refuses a namespace with a source that has none.
func (s *sourceFlags) checkNamespace(namespace string) error {
	if namespace != "" && s.policyFile != "" {
		return usageErr(fmt.Errorf("--namespace goes with -f or --root, not with --policy (a policy file applies to every namespace)"))
	}
	return nil
}
