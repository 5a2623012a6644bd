package policy

import (
	"fmt"
	"strings"
	"testing"
)

// benchInput builds n scopes: four in five on ClusterImagePolicies (100
// scopes each), the rest on ImagePolicies spread over ten namespaces.
func benchInput(n int) string {
	var cluster, namespaced []string
	for i := range n {
		if i%5 == 4 {
			namespaced = append(namespaced, fmt.Sprintf("quay.io/team%d/app%d", i%10, i))
		} else {
			cluster = append(cluster, fmt.Sprintf("registry%d.example.com/ns/app%d", i%7, i))
		}
	}
	var manifests []string
	for i := 0; i < len(cluster); i += 100 {
		manifests = append(manifests, cip(fmt.Sprintf("c%d", i), cluster[i:min(i+100, len(cluster))]...))
	}
	byNS := map[int][]string{}
	for i, s := range namespaced {
		byNS[i%10] = append(byNS[i%10], s)
	}
	for ns := range 10 {
		if len(byNS[ns]) > 0 {
			manifests = append(manifests, ip(fmt.Sprintf("team%d", ns), "p", byNS[ns]...))
		}
	}
	return docs(manifests...)
}

func BenchmarkDecodeValidateRender(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		in := benchInput(n)
		b.Run(fmt.Sprintf("scopes=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				set, err := LoadReader("bench.yaml", strings.NewReader(in), LoadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if errs := set.Validate(); len(errs) > 0 {
					b.Fatal(errs[0])
				}
				if _, err := Render(set, RenderOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
