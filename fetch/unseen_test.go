package fetch

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
)

const bundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"

// pushReferrer writes a cosign-v3-style bundle manifest whose subject is
// d, through go-containerregistry's writer, which updates the fallback tag
// sha256-<hex> itself when the registry has no referrers API.
func (r *testRegistry) pushReferrer(t testing.TB, repo string, d digest.Digest, artifactType string) {
	t.Helper()
	subject, err := v1.NewHash(d.String())
	if err != nil {
		t.Fatal(err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, "application/vnd.oci.empty.v1+json")
	img, err = mutate.Append(img, mutate.Addendum{Layer: static.NewLayer([]byte(`{"mediaType":"`+artifactType+`"}`), types.MediaType(artifactType))})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := img.RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["artifactType"] = artifactType
	m["subject"] = v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: subject, Size: 1}
	withType, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	// Upload the layers and config (under a manifest without subject),
	// then the referrer manifest by digest, as cosign does.
	ref, err := name.ParseReference(r.host + "/" + repo + ":scratch")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	h, _, err := v1.SHA256(strings.NewReader(string(withType)))
	if err != nil {
		t.Fatal(err)
	}
	dref, err := name.ParseReference(r.host + "/" + repo + "@" + h.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(dref, rawTaggable{withType, types.OCIManifestSchema1}); err != nil {
		t.Fatal(err)
	}
}

type rawTaggable struct {
	raw []byte
	mt  types.MediaType
}

func (r rawTaggable) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawTaggable) MediaType() (types.MediaType, error) { return r.mt, nil }

func withReferrersAPI(http.Handler) http.Handler {
	return registry.New(registry.Logger(log.New(io.Discard, "", 0)), registry.WithReferrersSupport(true))
}

func TestUnseenSignatures(t *testing.T) {
	ctx := testContext(t)
	withAPI := newTestRegistry(t, withReferrersAPI)
	without := newTestRegistry(t, nil)
	mirror := newTestRegistry(t, nil)

	apiImage := withAPI.pushImage(t, "ns/bundle:v1")
	withAPI.pushReferrer(t, "ns/bundle", apiImage, bundleType)
	tagImage := without.pushImage(t, "ns/bundle:v1")
	without.pushReferrer(t, "ns/bundle", tagImage, bundleType)
	legacyImage := without.pushImage(t, "ns/referrer-sig:v1")
	without.pushReferrer(t, "ns/referrer-sig", legacyImage, "application/vnd.dev.cosign.artifact.sig.v1+json")
	otherImage := without.pushImage(t, "ns/sbom:v1")
	without.pushReferrer(t, "ns/sbom", otherImage, "application/spdx+json")
	without.pushImage(t, "ns/plain:v1")
	list, _ := without.pushIndex(t, "ns/list:v1", v1.Platform{OS: "linux", Architecture: "amd64"})
	without.pushSignatures(t, "ns/list", list, "index signature")
	// The origin holds a signature the mirror lacks.
	mirrored := without.pushImage(t, "ns/mirrored:v1")
	without.pushSignatures(t, "ns/mirrored", mirrored, "origin signature")
	mirror.copyFrom(t, without, "ns/mirrored:v1", "copy/ns/mirrored:v1")
	conf := registriesConf(t, fmt.Sprintf("[[registry]]\nlocation = %q\n[[registry.mirror]]\nlocation = %q\n", without.host+"/ns", mirror.host+"/copy/ns"))

	c := newTestClient(t, WithRegistriesConf(conf))
	for _, tc := range []struct {
		desc          string
		ref           string
		wantReferrers []string // via
		wantIndex     bool
		wantOrigin    bool
	}{
		{"bundle listed by the referrers API", withAPI.host + "/ns/bundle:v1", []string{ViaReferrersAPI}, false, false},
		{"bundle under the fallback tag", without.host + "/ns/bundle:v1", []string{ViaFallbackTag}, false, false},
		{"cosign signature stored as a referrer", without.host + "/ns/referrer-sig:v1", []string{ViaFallbackTag}, false, false},
		{"a referrer that is not a signature", without.host + "/ns/sbom:v1", nil, false, false},
		{"nothing anywhere", without.host + "/ns/plain:v1", nil, false, false},
		{"list signed, instance not", without.host + "/ns/list:v1", nil, true, false},
		{"signature at the origin, not on the mirror", without.host + "/ns/mirrored:v1", nil, false, true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ref, err := reference.ParseNormalizedNamed(tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			img, err := c.Resolve(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			u := c.Unseen(ctx, img)
			if len(u.Errors) > 0 {
				t.Errorf("errors: %v", u.Errors)
			}
			var via []string
			for _, r := range u.Referrers {
				via = append(via, r.Via)
				if !isSignatureArtifact(r.ArtifactType) || r.Repository != img.Physical.Name() {
					t.Errorf("referrer %+v", r)
				}
			}
			if !slices.Equal(via, tc.wantReferrers) {
				t.Errorf("referrers found via %v, want %v", via, tc.wantReferrers)
			}
			if got := u.IndexSignature != ""; got != tc.wantIndex {
				t.Errorf("index signature %q, want one: %v", u.IndexSignature, tc.wantIndex)
			}
			if tc.wantIndex && u.IndexSignature != without.host+"/ns/list:"+sigstoreAttachmentTag(list) {
				t.Errorf("index signature %q", u.IndexSignature)
			}
			if got := u.OriginSignature != ""; got != tc.wantOrigin {
				t.Errorf("origin signature %q, want one: %v", u.OriginSignature, tc.wantOrigin)
			}
			if tc.wantOrigin && u.OriginSignature != without.host+"/ns/mirrored:"+sigstoreAttachmentTag(mirrored) {
				t.Errorf("origin signature %q", u.OriginSignature)
			}
			if u.Found() != (len(tc.wantReferrers) > 0 || tc.wantIndex || tc.wantOrigin) {
				t.Errorf("Found() = %v", u.Found())
			}
		})
	}
}

func TestUnseenRecordsFailedLooks(t *testing.T) {
	ctx := testContext(t)
	broken := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/referrers/") {
				http.Error(w, "boom", http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	broken.pushImage(t, "ns/app:v1")
	c := newTestClient(t, WithRetries(0))
	img, err := c.Resolve(ctx, broken.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	u := c.Unseen(ctx, img)
	if u.Found() || len(u.Errors) != 1 || !strings.Contains(u.Errors[0], "HTTP 500") {
		t.Errorf("unseen %+v, want one failed look (HTTP 500)", u)
	}
}
