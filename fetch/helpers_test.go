package fetch

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
)

const simpleSigningType = "application/vnd.dev.cosign.simplesigning.v1+json"

// testRegistry is go-containerregistry's in-process registry on loopback,
// optionally behind a hostile wrapper, counting GET requests by path and all
// requests in total.
type testRegistry struct {
	server *httptest.Server
	host   string
	mu     sync.Mutex
	counts map[string]int
	total  atomic.Int64
}

func newTestRegistry(t testing.TB, wrap func(next http.Handler) http.Handler) *testRegistry {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	r := &testRegistry{counts: map[string]int{}}
	r.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodGet {
			r.mu.Lock()
			r.counts[req.URL.Path]++
			r.mu.Unlock()
		}
		r.total.Add(1)
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.server.Close)
	r.host = strings.TrimPrefix(r.server.URL, "http://")
	return r
}

func (r *testRegistry) count(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts[path]
}

// ref parses repoAndTag ("ns/app:v1") on this registry.
func (r *testRegistry) ref(t testing.TB, repoAndTag string) reference.Named {
	t.Helper()
	ref, err := reference.ParseNormalizedNamed(r.host + "/" + repoAndTag)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// pushImage writes a random single image and returns its manifest digest.
func (r *testRegistry) pushImage(t testing.TB, repoAndTag string) digest.Digest {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	return r.write(t, repoAndTag, img)
}

func (r *testRegistry) write(t testing.TB, repoAndTag string, img v1.Image) digest.Digest {
	t.Helper()
	ref, err := name.ParseReference(r.host + "/" + repoAndTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest.Digest(h.String())
}

// copyFrom copies the image src of another test registry to dst here, byte for byte.
func (r *testRegistry) copyFrom(t testing.TB, from *testRegistry, src, dst string) digest.Digest {
	t.Helper()
	srcRef, err := name.ParseReference(from.host + "/" + src)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(srcRef)
	if err != nil {
		t.Fatal(err)
	}
	return r.write(t, dst, img)
}

// pushIndex writes an OCI index with one random image per platform and
// returns the index digest and each platform's instance digest.
func (r *testRegistry) pushIndex(t testing.TB, repoAndTag string, platforms ...v1.Platform) (digest.Digest, map[string]digest.Digest) {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	instances := map[string]digest.Digest{}
	for _, p := range platforms {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		h, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		instances[p.String()] = digest.Digest(h.String())
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	ref, err := name.ParseReference(r.host + "/" + repoAndTag)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	h, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return digest.Digest(h.String()), instances
}

// pushSignatures writes the cosign attachment manifest for d in repo, one
// layer per payload, and returns the layer digests.
func (r *testRegistry) pushSignatures(t testing.TB, repo string, d digest.Digest, payloads ...string) []string {
	t.Helper()
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	var layers []string
	for i, p := range payloads {
		l := static.NewLayer([]byte(p), simpleSigningType)
		var err error
		img, err = mutate.Append(img, mutate.Addendum{Layer: l, Annotations: map[string]string{
			"dev.cosignproject.cosign/signature": fmt.Sprintf("sig-%d", i),
		}})
		if err != nil {
			t.Fatal(err)
		}
		h, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		layers = append(layers, h.String())
	}
	r.write(t, repo+":"+sigstoreAttachmentTag(d), img)
	return layers
}

// newTestClient builds a Client with fast retries for tests.
func newTestClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	c, err := New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testContext is bounded so that a hang fails the test instead of the run.
func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// replaceHost returns ref with its registry host replaced.
func replaceHost(ref reference.Named, host string) (reference.Named, error) {
	return reference.ParseNormalizedNamed(host + "/" + reference.Path(ref) + ":" + ref.(reference.Tagged).Tag())
}
