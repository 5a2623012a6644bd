package simulate_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sigpolicy/sigpolicy/cluster"
	"github.com/sigpolicy/sigpolicy/simulate"
)

// deployments is n Deployments spread over namespaces, each with an init
// container and two containers; images repeat every 100 workloads.
func deployments(n, namespaces int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app-%d, namespace: ns-%d}
spec:
  replicas: 2
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec:
      initContainers: [{name: init, image: "quay.io/bench/init:%d"}]
      containers:
      - {name: app, image: "quay.io/bench/app:%d", ports: [{containerPort: 8080}], resources: {limits: {cpu: 100m}}}
      - {name: proxy, image: "quay.io/bench/proxy:1"}
`, i, i%namespaces, i%100, i%100)
	}
	return b.String()
}

func BenchmarkReadWorkloads1000(b *testing.B) {
	data := deployments(1000, 20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		inv, err := simulate.ReadWorkloads("bench.yaml", strings.NewReader(data), simulate.LoadOptions{})
		if err != nil || len(inv.Containers) != 3000 {
			b.Fatalf("%v, %d containers", err, len(inv.Containers))
		}
	}
}

// BenchmarkRun3000Pulls decides 3,000 pulls in 20 namespaces, two of them
// with their own policy file; the images are under no scope, so the cost
// measured is simulate's own (engines, grouping, dedupe), not the
// registry's.
func BenchmarkRun3000Pulls(b *testing.B) {
	dir := b.TempDir()
	var key string
	for _, f := range []string{"cluster-publickey-rekor.yaml", "imagepolicy-matchrepository.yaml"} {
		data, err := os.ReadFile(filepath.Join("..", "examples", f))
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
		if m := regexp.MustCompile(`keyData: (\S+)`).FindSubmatch(data); m != nil {
			key = string(m[1])
		}
	}
	// Two namespaces get a file of their own.
	extra := "apiVersion: config.openshift.io/v1\nkind: ImagePolicy\nmetadata: {name: own, namespace: ns-%d}\nspec:\n  scopes: [registry.example.com/ns-%d]\n  policy:\n    rootOfTrust:\n      policyType: PublicKey\n      publicKey: {keyData: %s}\n"
	for _, ns := range []int{3, 7} {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("own-%d.yaml", ns)), fmt.Appendf(nil, extra, ns, ns, key), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	inv, err := simulate.ReadWorkloads("bench.yaml", strings.NewReader(deployments(1000, 20)), simulate.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		compiled, err := cluster.Load(cluster.Source{Objects: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		r, err := simulate.Run(b.Context(), compiled, inv, simulate.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if r.Summary.Allowed != 3000 || len(r.Namespaces) != 20 {
			b.Fatalf("summary %+v, %d namespaces", r.Summary, len(r.Namespaces))
		}
	}
}
