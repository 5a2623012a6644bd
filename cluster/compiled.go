package cluster

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Compiled is the node configuration of a cluster: the cluster-wide one and
// each namespace's that has its own policy file.
type Compiled struct {
	// Set and Rendered are the objects and the MCO's files, when compiled
	// from objects; nil when read from node files.
	Set      *policy.Set
	Rendered *policy.Rendered

	cluster    node.Config
	namespaces map[string]namespaceConfig
}

// namespaceConfig is one namespace file: parsed, or why it cannot be. A
// broken file fails only that namespace's pulls, as in CRI-O.
type namespaceConfig struct {
	config node.Config
	err    error
}

// Node returns the configuration CRI-O applies to pulls in namespace ("":
// the cluster-wide one). The error reports an invalid namespace name or a
// namespace policy file that cannot be parsed.
func (c *Compiled) Node(namespace string) (node.Config, error) {
	if namespace == "" {
		return c.cluster, nil
	}
	if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
		return node.Config{}, fmt.Errorf("invalid namespace %q: %s", namespace, strings.Join(errs, "; "))
	}
	if ns, ok := c.namespaces[namespace]; ok {
		return ns.config, ns.err
	}
	return c.cluster, nil
}

// HasOwnPolicy reports whether namespace has its own policy file.
func (c *Compiled) HasOwnPolicy(namespace string) bool {
	_, ok := c.namespaces[namespace]
	return ok
}

// Namespaces lists, sorted, the namespaces with their own policy file.
func (c *Compiled) Namespaces() []string { return slices.Sorted(maps.Keys(c.namespaces)) }

// RegistriesConf is the registries.conf every namespace shares; nil when
// there is none.
func (c *Compiled) RegistriesConf() *node.RegistriesConf { return c.cluster.RegistriesConf }

// WithRegistriesConf returns a copy of c whose every namespace follows conf
// instead (a registries.conf given explicitly); c is unchanged.
func (c *Compiled) WithRegistriesConf(conf *node.RegistriesConf) *Compiled {
	out := *c
	out.cluster.RegistriesConf = conf
	out.namespaces = make(map[string]namespaceConfig, len(c.namespaces))
	for name, ns := range c.namespaces {
		ns.config.RegistriesConf = conf
		out.namespaces[name] = ns
	}
	return &out
}
