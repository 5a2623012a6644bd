package fetch

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
)

func TestOpenBlob(t *testing.T) {
	ctx := testContext(t)
	content := bytes.Repeat([]byte("layer bytes "), 5000)
	var tamper atomic.Bool
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tamper.Load() && strings.Contains(r.URL.Path, "/blobs/") && r.Method == http.MethodGet {
				w.WriteHeader(http.StatusOK)
				w.Write(bytes.Repeat([]byte("other bytes "), 5000)) //nolint:errcheck
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	img, err := random.Image(16, 0)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer(content, types.DockerLayer)})
	if err != nil {
		t.Fatal(err)
	}
	reg.write(t, "ns/app:v1", img)
	layerDigest := digest.FromBytes(content)
	c := newTestClient(t, WithRetries(0))
	resolved, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(limit int64) ([]byte, error) {
		r, err := c.OpenBlob(ctx, resolved, layerDigest, limit)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	if got, err := read(1 << 20); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read %d bytes, %v", len(got), err)
	}
	if _, err := read(int64(len(content)) - 1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v, want ErrTooLarge", err)
	}
	tamper.Store(true)
	if _, err := read(1 << 20); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("other content: %v, want ErrDigestMismatch", err)
	}
	if _, err := c.OpenBlob(ctx, resolved, digest.Digest("sha256:nothex"), 10); !errors.Is(err, ErrMalformed) {
		t.Errorf("bad digest: %v, want ErrMalformed", err)
	}
	missing := digest.FromString("absent")
	tamper.Store(false)
	if _, err := c.OpenBlob(ctx, resolved, missing, 10); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing blob: %v, want ErrNotFound", err)
	}
}
