package fetch

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// BenchmarkDecisionFetch is the registry work of one pull-time decision on
// a tag with one signature, against the in-process registry on loopback:
// resolve the tag, read the .sig manifest, read the signature blob.
func BenchmarkDecisionFetch(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cache int64
	}{
		{"cache=on", DefaultCacheBytes},
		{"cache=off", 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reg := newTestRegistry(b, nil)
			d := reg.pushImage(b, "ns/app:v1")
			reg.pushSignatures(b, "ns/app", d, `{"critical":{}}`)
			c := newTestClient(b, WithCacheBytes(bc.cache))
			ref := reg.ref(b, "ns/app:v1")
			ctx := context.Background()
			decide := func() {
				img, err := c.Resolve(ctx, ref)
				if err != nil {
					b.Fatal(err)
				}
				sigs, err := c.Signatures(ctx, img)
				if err != nil || len(sigs) != 1 {
					b.Fatal(sigs, err)
				}
			}
			decide() // connect: ping, first fetch
			before := reg.total.Load()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				decide()
				n++
			}
			b.ReportMetric(float64(reg.total.Load()-before)/float64(n), "requests/op")
		})
	}
}

// BenchmarkBaselineThreeGETs is the floor BenchmarkDecisionFetch compares
// with: the same three GETs with a bare http.Client, no checks, no auth
// transport, no trace.
func BenchmarkBaselineThreeGETs(b *testing.B) {
	reg := newTestRegistry(b, nil)
	d := reg.pushImage(b, "ns/app:v1")
	layers := reg.pushSignatures(b, "ns/app", d, `{"critical":{}}`)
	base := reg.server.URL + "/v2/ns/app"
	urls := []string{base + "/manifests/v1", base + "/manifests/" + sigstoreAttachmentTag(d), base + "/blobs/" + layers[0]}
	client := &http.Client{}
	b.ReportAllocs()
	for b.Loop() {
		for _, u := range urls {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Accept", acceptManifests)
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatal(u, resp.Status)
			}
		}
	}
}
