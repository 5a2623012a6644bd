package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/policy"
)

// objectFlags say where cluster objects come from: files (-f) or a live
// cluster (--cluster, --kubeconfig, --context), with the default openshift policy
// added on request.
type objectFlags struct {
	files       []string
	withDefault bool
	cluster     clusterFlags
}

// register adds the flags; namespace is the command's namespace value
// (nil: every namespace's ImagePolicies are read from a cluster).
func (o *objectFlags) register(cmd *cobra.Command, namespace *string) {
	addFileFlag(cmd, &o.files)
	addOpenShiftPolicyFlag(cmd, &o.withDefault)
	o.cluster.register(cmd.Flags(), namespace)
}

// given reports whether objects were asked for, from files or a cluster.
func (o *objectFlags) given() bool { return len(o.files) > 0 || o.cluster.requested() }

// options are the decoding options the flags ask for.
func (o *objectFlags) options(cmd *cobra.Command) policy.LoadOptions {
	return policy.LoadOptions{Stdin: cmd.InOrStdin(), IncludeOpenShiftDefault: o.withDefault}
}

// load decodes the objects: usage errors (exit 2) for files, the cluster's
// own exit code (4) when the cluster cannot be read.
func (o *objectFlags) load(cmd *cobra.Command) (*policy.Set, error) {
	switch {
	case len(o.files) > 0 && o.cluster.requested():
		return nil, usageErr(errors.New("-f and --cluster (--kubeconfig, --context) are two sources of cluster objects: give one"))
	case o.cluster.requested():
		return o.cluster.load(cmd.Context(), o.options(cmd))
	case len(o.files) == 0:
		return nil, usageErr(errors.New("at least one -f PATH (or --cluster for a live cluster) is required"))
	}
	set, err := policy.LoadWithOptions(o.options(cmd), o.files...)
	if err != nil {
		return nil, usageErr(err)
	}
	return set, nil
}
