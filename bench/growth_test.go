package bench

import (
	"encoding/base64"
	"fmt"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures/material"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

// growthShape says how a cluster's scopes are spread, the rendered files
// staying linear in the number of scopes (every namespace file repeats the
// cluster-wide scopes, as the MCO writes them):
//   - tenants: 25 cluster-wide scopes (the release payload, the company's
//     registries) in 5 ClusterImagePolicies; every other scope on
//     ImagePolicies, two per namespace of ten scopes;
//   - cluster-wide: four scopes in five on ClusterImagePolicies of 100
//     scopes, the rest on ImagePolicies over 10 namespaces.
//
// In both, one namespaced scope in ten repeats or nests inside a
// cluster-wide scope (dropped, with a Pending condition), one in ten names a
// tag (kept, a finding: a cluster scope covers it), and
// requirements use five keys with every signedIdentity match policy, so
// that engines share compiled requirements as in a real cluster.
type growthShape struct {
	name              string
	clusterScopes     func(n int) int
	namespaces        func(n int) int
	clusterPolicySize int
}

var growthShapes = []growthShape{
	{name: "tenants", clusterScopes: tenantClusterScopes, namespaces: func(n int) int { return max(1, (n-tenantClusterScopes(n)+9)/10) }, clusterPolicySize: 5},
	{name: "cluster-wide", clusterScopes: func(n int) int { return n * 4 / 5 }, namespaces: func(int) int { return 10 }, clusterPolicySize: 100},
}

func tenantClusterScopes(n int) int { return min(25, n/2) }

// growthKeys are the public keys the generated policies use, base64 PEM.
var growthKeys = func() []string {
	var keys []string
	for i := range 5 {
		k, err := material.NewKeyPair([]byte("growth"), fmt.Sprint("key", i), material.ECDSAP256)
		if err != nil {
			panic(err)
		}
		keys = append(keys, base64.StdEncoding.EncodeToString(k.PublicPEM()))
	}
	return keys
}()

// growthSet returns the YAML of a cluster with n scopes of the given shape.
func growthSet(shape growthShape, n int) string {
	var b strings.Builder
	policyDoc := func(kind, meta string, i int, scopes []string) {
		identities := []string{
			"matchPolicy: MatchRepoDigestOrExact",
			"matchPolicy: MatchRepository",
			"matchPolicy: ExactRepository\n        exactRepository:\n          repository: registry.example.com/signed/by-" + fmt.Sprint(i%7),
			"matchPolicy: RemapIdentity\n        remapIdentity:\n          prefix: mirror.example.com\n          signedPrefix: registry.example.com",
		}
		quoted := make([]string, len(scopes))
		for j, s := range scopes {
			quoted[j] = fmt.Sprintf("%q", s)
		}
		fmt.Fprintf(&b, `---
apiVersion: config.openshift.io/v1
kind: %s
metadata:
%sspec:
  scopes: [%s]
  policy:
    rootOfTrust:
      policyType: PublicKey
      publicKey:
        keyData: %s
    signedIdentity:
        %s
`, kind, meta, strings.Join(quoted, ", "), growthKeys[i%len(growthKeys)], identities[i%len(identities)])
	}
	nc := shape.clusterScopes(n)
	var cluster []string
	for i := range nc {
		switch {
		case i%10 == 9:
			cluster = append(cluster, fmt.Sprintf("*.apps%d.example.com", i))
		case i%10 == 8:
			cluster = append(cluster, fmt.Sprintf("registry%d.example.com", i))
		default:
			cluster = append(cluster, fmt.Sprintf("registry%d.example.com/team%d/app%d", i%13, i%17, i))
		}
	}
	for i := 0; i < len(cluster); i += shape.clusterPolicySize {
		policyDoc("ClusterImagePolicy", fmt.Sprintf("  name: cluster-%d\n", i), i/shape.clusterPolicySize, cluster[i:min(i+shape.clusterPolicySize, len(cluster))])
	}
	namespaces := shape.namespaces(n)
	byNamespace := make([][]string, namespaces)
	for i := range n - nc {
		var scope string
		switch {
		case i%10 == 3 && nc > 0: // repeats or nests inside a cluster scope: dropped
			c := cluster[i%nc]
			if strings.HasPrefix(c, "*.") {
				scope = fmt.Sprintf("web%d%s/site", i, c[1:])
			} else {
				scope = fmt.Sprintf("%s/sub%d", c, i)
			}
		case i%10 == 6 && nc > 0: // a tag scope under a cluster scope (host/namespace/repository:tag, as the atomic transport wants it)
			c := cluster[(i/10)%nc]
			switch {
			case strings.HasPrefix(c, "*."):
				c = fmt.Sprintf("web%d%s/ns/site", i, c[1:])
			case !strings.Contains(c, "/"):
				c += "/ns/site"
			}
			scope = fmt.Sprintf("%s:v%d", c, i)
		default:
			scope = fmt.Sprintf("quay.io/tenant%d/app%d", (i+i/10)%namespaces, i)
		}
		ns := (i + i/10) % namespaces
		byNamespace[ns] = append(byNamespace[ns], scope)
	}
	for ns, scopes := range byNamespace {
		half := (len(scopes) + 1) / 2
		for p, part := range [][]string{scopes[:half], scopes[half:]} {
			if len(part) > 0 {
				policyDoc("ImagePolicy", fmt.Sprintf("  name: policy-%d\n  namespace: tenant-%d\n", p, ns), ns+p, part)
			}
		}
	}
	return b.String()
}

// growthPhase is one step from cluster objects to engines.
type growthPhase struct {
	name  string
	needs growthStage // what run starts from
	run   func(b *testing.B, in *growthInput)
}

// growthInput holds what a phase starts from, prepared outside the clock.
type growthInput struct {
	yaml     string
	set      *policy.Set
	rendered *policy.Rendered
}

type growthStage int

const (
	fromYAML growthStage = iota
	fromSet
	fromRendered
)

// prepareGrowth loads and renders yaml as far as stage.
func prepareGrowth(b *testing.B, yaml string, stage growthStage) *growthInput {
	in := &growthInput{yaml: yaml}
	if stage == fromYAML {
		return in
	}
	set, err := policy.LoadReader("growth.yaml", strings.NewReader(yaml), policy.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if errs := set.Validate(); len(errs) > 0 {
		b.Fatal(errs[0])
	}
	in.set = set
	if stage == fromRendered {
		if in.rendered, err = policy.Render(set, policy.RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	return in
}

var growthPhases = []growthPhase{
	// load: decode every object and validate it as the API server would
	// (LoadReader validates as it decodes).
	{"load", fromYAML, func(b *testing.B, in *growthInput) {
		set, err := policy.LoadReader("growth.yaml", strings.NewReader(in.yaml), policy.LoadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if errs := set.Validate(); len(errs) > 0 {
			b.Fatal(errs[0])
		}
	}},
	{"render", fromSet, func(b *testing.B, in *growthInput) {
		if _, err := policy.Render(in.set, policy.RenderOptions{}); err != nil {
			b.Fatal(err)
		}
	}},
	// engines: every rendered policy file parsed as CRI-O parses it and
	// compiled into an Engine (one registry client shared), as simulate
	// builds one per namespace.
	{"engines", fromRendered, func(b *testing.B, in *growthInput) {
		registriesD, err := node.ParseRegistriesD(map[string][]byte{"sigstore-registries.yaml": in.rendered.RegistriesD})
		if err != nil {
			b.Fatal(err)
		}
		client, err := fetch.New()
		if err != nil {
			b.Fatal(err)
		}
		files := [][]byte{in.rendered.PolicyJSON}
		for _, data := range in.rendered.NamespacePolicies {
			files = append(files, data)
		}
		for _, data := range files {
			pol, err := node.ParsePolicy(data)
			if err != nil {
				b.Fatal(err)
			}
			e, err := verify.New(node.Config{Policy: pol, RegistriesD: registriesD}, verify.WithFetcher(client))
			if err != nil || len(e.ConfigErrors()) > 0 {
				b.Fatal(err, e.ConfigErrors())
			}
		}
	}},
}

// growthSizes are the scope counts compared: each ten times the one before.
var growthSizes = []int{100, 1000, 10000}

// BenchmarkScopeGrowth measures each phase from cluster objects to engines
// at 100, 1,000 and 10,000 scopes, the three sizes in turn within each
// iteration (so that load from other processes weighs on all alike), and
// reports the time of each size and how much ten times the scopes cost:
// x10-from-100 is t(1,000)/t(100), x10-from-1000 is t(10,000)/t(1,000). A
// phase that grows linearly reports 10. Each size is measured as one run of
// a command would be: its input prepared and the phase run once outside the
// clock, then the heap collected and its memory returned to the system, so
// that every size pays for the memory it touches (reused memory would
// favour the sizes that fit in what an earlier run left mapped).
func BenchmarkScopeGrowth(b *testing.B) {
	for _, shape := range growthShapes {
		sources := make([]string, len(growthSizes))
		for i, n := range growthSizes {
			sources[i] = growthSet(shape, n)
		}
		for _, phase := range growthPhases {
			b.Run(shape.name+"/"+phase.name, func(b *testing.B) {
				spent := make([]time.Duration, len(growthSizes))
				for b.Loop() {
					for i, src := range sources {
						b.StopTimer()
						in := prepareGrowth(b, src, phase.needs)
						phase.run(b, in) // first-use costs paid
						debug.FreeOSMemory()
						b.StartTimer()
						start := time.Now()
						phase.run(b, in)
						spent[i] += time.Since(start)
					}
				}
				for i, n := range growthSizes {
					b.ReportMetric(float64(spent[i].Nanoseconds())/float64(b.N), fmt.Sprintf("ns/scopes=%d", n))
				}
				for i := 1; i < len(growthSizes); i++ {
					b.ReportMetric(float64(spent[i])/float64(spent[i-1]), fmt.Sprintf("x10-from-%d", growthSizes[i-1]))
				}
			})
		}
	}
}

// TestGrowthSets: the generated clusters are what BenchmarkScopeGrowth
// says: valid, with dropped scopes, findings and a file per namespace.
func TestGrowthSets(t *testing.T) {
	for _, shape := range growthShapes {
		for _, n := range growthSizes[:2] {
			checkGrowthSet(t, shape, n)
		}
	}
}

func checkGrowthSet(t *testing.T, shape growthShape, n int) {
	t.Helper()
	set, err := policy.LoadReader("growth.yaml", strings.NewReader(growthSet(shape, n)), policy.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := set.Validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	r, err := policy.Render(set, policy.RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for _, st := range r.Statuses {
		dropped += len(st.Conflicting)
	}
	if want := shape.namespaces(n); len(r.NamespacePolicies) != want || dropped == 0 || len(r.Findings) == 0 {
		t.Errorf("%s, %d scopes: %d namespace files (want %d), %d scopes dropped, %d findings", shape.name, n, len(r.NamespacePolicies), want, dropped, len(r.Findings))
	}
}
