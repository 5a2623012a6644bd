package node

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/types"
)

// TestUseSigstoreAttachmentsMatchesLibrary observes the library's own
// decision (registryConfiguration.useSigstoreAttachments, unexported): its
// docker image source asks the registry for the sha256-<hex>.sig tag only
// when attachments are enabled for the reference. A loopback TLS server
// serves one manifest for every name, 404 for the .sig tag, and records whether that tag was
// requested. The references use the server as 127.0.0.1:port and
// localhost:port; scopes cover their identities, repositories, namespaces,
// hosts with and without port and wildcards.
func TestUseSigstoreAttachmentsMatchesLibrary(t *testing.T) {
	var sigRequested atomic.Bool
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` + strings.Repeat("c", 64) + `","size":2},"layers":[]}`)
	dgst := digest.FromBytes(manifest)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".sig"):
			sigRequested.Store(true)
			http.NotFound(w, r)
		case r.URL.Path == "/v2/":
			w.WriteHeader(http.StatusOK)
		case strings.Contains(r.URL.Path, "/manifests/"):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Docker-Content-Digest", dgst.String())
			_, _ = w.Write(manifest)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	hosts := []string{"127.0.0.1:" + port, "localhost:" + port}
	paths := []string{"app", "ns/app", "ns/sub/app", "other/app"}

	var scopes []string
	for _, h := range hosts {
		for _, p := range paths {
			scopes = append(scopes, h+"/"+p, h+"/"+p+":v1", h+"/"+p+"@"+dgst.String())
		}
		scopes = append(scopes, h, h+"/ns", h+"/ns/sub")
	}
	scopes = append(scopes, "127.0.0.1", "localhost", "*.0.0.1", "*.0.1", "*.1")

	r := rand.New(rand.NewPCG(7, 8))
	setting := []string{"", "\n    use-sigstore-attachments: true", "\n    use-sigstore-attachments: false"}
	for round := range 4 {
		var yaml strings.Builder
		if round%2 == 0 {
			fmt.Fprintf(&yaml, "default-docker:%s\n", setting[1+round/2%2])
		}
		yaml.WriteString("docker:\n")
		for _, s := range scopes {
			if r.IntN(3) == 0 {
				continue
			}
			fmt.Fprintf(&yaml, "  %q:\n    lookaside: file:///nonexistent-sigpolicy%s\n", s, setting[r.IntN(3)])
		}
		dir := writeFiles(t, map[string]string{"sigstore-registries.yaml": yaml.String()})
		ours, err := LoadRegistriesD(dir)
		if err != nil {
			t.Fatal(err)
		}
		sys := &types.SystemContext{RegistriesDirPath: dir, DockerInsecureSkipTLSVerify: types.OptionalBoolTrue}
		for i := range 40 {
			name := hosts[r.IntN(len(hosts))] + "/" + paths[r.IntN(len(paths))]
			switch i % 3 {
			case 0:
				name += ":v1"
			case 1:
				name += ":v2"
			default:
				name += "@" + dgst.String()
			}
			ref, err := reference.ParseNormalizedNamed(name)
			if err != nil {
				t.Fatal(err)
			}
			want := libraryUsesAttachments(t, sys, ref, dgst, &sigRequested)
			if got := ours.UseSigstoreAttachments(ref); got != want {
				t.Fatalf("round %d, %s: ours %v, library %v\nregistries.d:\n%s", round, name, got, want, yaml.String())
			}
		}
	}
}

func libraryUsesAttachments(t *testing.T, sys *types.SystemContext, ref reference.Named, dgst digest.Digest, requested *atomic.Bool) bool {
	t.Helper()
	dref, err := docker.NewReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := dref.NewImageSource(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	requested.Store(false)
	if _, err := src.GetSignatures(ctx, &dgst); err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	return requested.Load()
}
