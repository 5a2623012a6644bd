package main

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/live"
)

// clusterFlags select a live cluster as the source of the policy objects:
// --kubeconfig and --context, with $KUBECONFIG and the in-cluster service
// account as kubectl uses them, and the command's own namespace value.
type clusterFlags struct {
	live       bool
	kubeconfig string
	context    string
	namespace  *string
}

// register adds --kubeconfig and --context to fl. namespace is the
// command's namespace value, read when the objects are loaded: empty (or
// nil) reads the ImagePolicies of every namespace, as rendering every
// namespace file needs; a name reads only that namespace's, plus every
// cluster-scoped object, which is all one namespace's decisions need.
func (c *clusterFlags) register(fl *pflag.FlagSet, namespace *string) {
	fl.BoolVar(&c.live, "cluster", false,
		"read the cluster objects, read-only, from the API server kubectl would use ($KUBECONFIG, ~/.kube/config, or the pod's service account)")
	fl.StringVar(&c.kubeconfig, "kubeconfig", "", "read the cluster objects from the API server of this kubeconfig (implies --cluster)")
	fl.StringVar(&c.context, "context", "", "kubeconfig context to use (implies --cluster; default: the current context)")
	c.namespace = namespace
}

// requested reports whether a cluster flag was given.
func (c *clusterFlags) requested() bool { return c.live || c.kubeconfig != "" || c.context != "" }

// load reads the objects from the cluster. The error carries the exit code:
// exitCluster when the cluster could not be read, exitUsage for a missing
// or broken configuration or objects the decoder cannot read.
func (c *clusterFlags) load(ctx context.Context, decode policy.LoadOptions) (*policy.Set, error) {
	cfg, err := live.Config(c.kubeconfig, c.context)
	if err != nil {
		return nil, clusterErr(err)
	}
	opts := live.Options{UserAgent: "sigpolicy/" + moduleVersion(), Load: decode}
	if c.namespace != nil {
		opts.Namespace = *c.namespace
	}
	set, err := live.Read(ctx, cfg, opts)
	if err != nil {
		return nil, clusterErr(err)
	}
	return set, nil
}

// clusterErr maps a failure to read a cluster to its exit code.
func clusterErr(err error) error {
	var le *live.Error
	if errors.As(err, &le) {
		return &exitError{code: exitCluster, err: err}
	}
	return usageErr(err)
}

// moduleVersion is the version the binary reports, for the user agent.
func moduleVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
