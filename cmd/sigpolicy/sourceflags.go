package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/policy"
)

// sourceFlags say where the cluster configuration of the commands that
// decide pulls (verify, simulate, audit) comes from: cluster objects (-f or
// a live cluster), a node root (--root) or a policy file (--policy).
type sourceFlags struct {
	objects     objectFlags
	root        string
	policyFile  string
	registriesD string
}

// register adds the flags; namespace is the command's namespace value, nil
// when it decides every namespace.
func (s *sourceFlags) register(cmd *cobra.Command, namespace *string) {
	fl := cmd.Flags()
	s.objects.register(cmd, namespace)
	fl.StringVar(&s.root, "root", "", "root directory of a node's files")
	fl.StringVar(&s.policyFile, "policy", "", "policy.json to enforce")
	fl.StringVar(&s.registriesD, "registries-d", "", "registries.d directory (with --policy)")
}

// compile loads and compiles the configuration once; every failure is a
// usage or input error (exit 2), worded with the flags.
func (s *sourceFlags) compile(cmd *cobra.Command, registriesConf string) (*cluster.Compiled, error) {
	var set *policy.Set
	if s.objects.cluster.requested() {
		var err error
		if set, err = s.objects.load(cmd); err != nil {
			return nil, err
		}
	}
	compiled, err := cluster.Load(cluster.Source{
		Objects:        s.objects.files,
		Load:           s.objects.options(cmd),
		Set:            set,
		Root:           s.root,
		PolicyFile:     s.policyFile,
		RegistriesD:    s.registriesD,
		RegistriesConf: registriesConf,
	})
	switch {
	case errors.Is(err, cluster.ErrNoSource), errors.Is(err, cluster.ErrManySources):
		return nil, usageErr(errors.New("exactly one policy source is needed: -f PATH... (cluster objects), --cluster (a live cluster's objects), --root DIR (a node's files) or --policy FILE"))
	case errors.Is(err, cluster.ErrRegistriesDWithoutPolicyFile):
		return nil, usageErr(errors.New("--registries-d goes with --policy; -f and --root bring their own registries.d"))
	case err != nil:
		return nil, usageErr(err)
	case s.objects.withDefault && !s.objects.given():
		return nil, usageErr(errors.New("--openshift-default-policy goes with cluster objects: node files already hold what the cluster rendered"))
	}
	if compiled.Set != nil { // objects skipped (another kind, a typo'd kind) are said, as validate says them
		for _, n := range compiled.Set.Notes {
			fmt.Fprintln(cmd.ErrOrStderr(), "note:", n)
		}
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

// pathFlag is a flag's paths, any of which may be "-" (standard input).
type pathFlag struct {
	name  string
	paths []string
}

// stdinOnce refuses standard input named more than once, by one flag or
// several: the first reader would take it all and the others read nothing,
// deciding nothing.
func stdinOnce(flags ...pathFlag) error {
	var readers []string
	for _, f := range flags {
		for _, p := range f.paths {
			if p == "-" {
				readers = append(readers, f.name)
			}
		}
	}
	if len(readers) > 1 {
		return fmt.Errorf(`standard input ("-") can feed one input only, not %s`, strings.Join(readers, " and "))
	}
	return nil
}
