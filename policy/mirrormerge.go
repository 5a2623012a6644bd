package policy

import (
	"fmt"
	"slices"

	configv1 "github.com/openshift/api/config/v1"
)

// mirrorRule is one source entry of an ImageDigestMirrorSet,
// ImageTagMirrorSet or ImageContentSourcePolicy.
type mirrorRule struct {
	source  string
	mirrors []string
	policy  configv1.MirrorSourcePolicy // "" for an ImageContentSourcePolicy
}

// mergedMirrors is every rule of one source merged: the mirrors in one
// order, and whether some rule forbids contacting the source.
type mergedMirrors struct {
	source      string
	mirrors     []string
	blockSource bool
}

// mergeMirrorRules merges rules by source, as runtime-utils' mergedMirrorSets
// does: a rule whose mirrors are all the source itself is ignored (its
// source policy too); each remaining rule's mirrors are chained in order
// and, unless the source is among them, followed by the source; the chains
// of one source are merged by a stable topological sort; the source, when
// it comes last, is dropped (registries.conf tries it last anyway). The
// result is sorted by source.
func mergeMirrorRules(rules []mirrorRule) ([]mergedMirrors, error) {
	chains := map[string][][]string{}
	blocked := map[string]bool{}
	for _, r := range rules {
		if !slices.ContainsFunc(r.mirrors, func(m string) bool { return m != r.source }) {
			continue
		}
		chains[r.source] = append(chains[r.source], r.mirrors)
		if r.policy == configv1.NeverContactSource {
			blocked[r.source] = true
		}
	}
	out := make([]mergedMirrors, 0, len(chains))
	for _, source := range sortedKeys(chains) {
		g := newOrderGraph()
		for _, mirrors := range chains[source] {
			for i := 0; i+1 < len(mirrors); i++ {
				g.edge(mirrors[i], mirrors[i+1])
			}
			if !slices.Contains(mirrors, source) {
				g.edge(mirrors[len(mirrors)-1], source)
			}
		}
		order, err := g.sorted()
		if err != nil {
			return nil, err
		}
		if order[len(order)-1] == source {
			order = order[:len(order)-1]
		}
		out = append(out, mergedMirrors{source: source, mirrors: order, blockSource: blocked[source]})
	}
	return out, nil
}

// orderGraph is a directed graph of mirrors, "a before b" edges.
type orderGraph struct {
	nodes map[string]*orderNode
}

type orderNode struct {
	name string
	used bool
	// preds are the predecessors not yet emitted; succs never change.
	preds map[*orderNode]bool
	succs map[*orderNode]bool
}

func newOrderGraph() *orderGraph { return &orderGraph{nodes: map[string]*orderNode{}} }

func (g *orderGraph) node(name string) *orderNode {
	n := g.nodes[name]
	if n == nil {
		n = &orderNode{name: name, preds: map[*orderNode]bool{}, succs: map[*orderNode]bool{}}
		g.nodes[name] = n
	}
	return n
}

func (g *orderGraph) edge(from, to string) {
	f, t := g.node(from), g.node(to)
	f.succs[t] = true
	t.preds[f] = true
}

// sorted returns every node once, each after its predecessors where the
// edges allow it. Ties go to the lexically smallest name: first among the
// nodes without predecessors, then among the nodes each emitted node frees
// (queued after the earlier ones); a cycle is broken at the smallest unused
// node. This is runtime-utils' topoGraph.Sorted order, which decides the
// mirror order written to registries.conf.
func (g *orderGraph) sorted() ([]string, error) {
	all := make([]*orderNode, 0, len(g.nodes))
	for _, n := range g.nodes {
		all = append(all, n)
	}
	byName := func(a, b *orderNode) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	}
	slices.SortFunc(all, byName)
	var ready []*orderNode
	for _, n := range all {
		if len(n.preds) == 0 {
			ready = append(ready, n)
		}
	}
	out := make([]string, 0, len(all))
	next := 0 // index into all for breaking cycles
	for len(ready) > 0 || next < len(all) {
		var n *orderNode
		if len(ready) > 0 {
			n, ready = ready[0], ready[1:]
			if n.used {
				return nil, fmt.Errorf("internal error in topoGraph.Sorted: node %#v already used", n.name)
			}
		} else {
			n = all[next]
			next++
			if n.used {
				continue
			}
		}
		n.used = true
		out = append(out, n.name)
		var freed []*orderNode
		for s := range n.succs {
			delete(s.preds, n)
			if len(s.preds) == 0 && !s.used {
				freed = append(freed, s)
			}
		}
		slices.SortFunc(freed, byName)
		ready = append(ready, freed...)
	}
	if len(out) != len(g.nodes) {
		return nil, fmt.Errorf("internal error in topoGraph.Sorted: Not all nodes used")
	}
	return out, nil
}
