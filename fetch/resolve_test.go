package fetch

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
)

func TestResolveSingleImage(t *testing.T) {
	reg := newTestRegistry(t, nil)
	want := reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t)
	byDigest, err := reference.WithDigest(reference.TrimNamed(reg.ref(t, "ns/app:v1")), want)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc string
		ref  reference.Named
	}{
		{"by tag", reg.ref(t, "ns/app:v1")},
		{"by digest", byDigest},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			img, err := c.Resolve(testContext(t), tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if img.Digest != want {
				t.Errorf("Digest = %s, want %s", img.Digest, want)
			}
			if img.ListDigest != "" {
				t.Errorf("ListDigest = %s, want none", img.ListDigest)
			}
			if img.ManifestMediaType != manifest.DockerV2Schema2MediaType {
				t.Errorf("ManifestMediaType = %q", img.ManifestMediaType)
			}
			if digest.FromBytes(img.Manifest) != want {
				t.Errorf("Manifest bytes do not hash to %s", want)
			}
			if img.Physical.String() != tc.ref.String() || img.Logical != tc.ref {
				t.Errorf("Physical = %s, Logical = %s, want both %s", img.Physical, img.Logical, tc.ref)
			}
		})
	}
}

func TestResolveTagIsOneRequestOnceConnected(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t)
	ctx := testContext(t)
	if _, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1")); err != nil { // connects: ping
		t.Fatal(err)
	}
	var tr Trace
	if _, err := c.Resolve(WithTrace(ctx, &tr), reg.ref(t, "ns/app:v1")); err != nil {
		t.Fatal(err)
	}
	reqs := tr.Requests()
	if len(reqs) != 1 || reqs[0].Status != 200 || reqs[0].Method != "GET" || reqs[0].Bytes == 0 {
		t.Fatalf("second resolve made requests %+v, want one GET 200 with a body", reqs)
	}
	if st := tr.Stages(); len(st) != 1 || st[0].Name != "resolve" {
		t.Errorf("stages = %+v, want one resolve stage", st)
	}
}

func TestResolveManifestList(t *testing.T) {
	reg := newTestRegistry(t, nil)
	listDigest, instances := reg.pushIndex(t, "ns/multi:v1",
		v1.Platform{OS: "linux", Architecture: "amd64"},
		v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"},
		v1.Platform{OS: "linux", Architecture: "s390x"},
	)
	for _, tc := range []struct {
		desc     string
		platform string
		want     string // key in instances, "" for an error
	}{
		{"default is linux/amd64", "", "linux/amd64"},
		{"arm64 with variant", "linux/arm64/v8", "linux/arm64/v8"},
		{"arm64 without variant matches v8", "linux/arm64", "linux/arm64/v8"},
		{"s390x", "linux/s390x", "linux/s390x"},
		{"absent platform", "linux/ppc64le", ""},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var opts []Option
			if tc.platform != "" {
				opts = append(opts, WithPlatform(tc.platform))
			}
			img, err := newTestClient(t, opts...).Resolve(testContext(t), reg.ref(t, "ns/multi:v1"))
			if tc.want == "" {
				if !errors.Is(err, ErrNoPlatform) || IsUndecided(err) {
					t.Fatalf("err = %v, want ErrNoPlatform (a denial)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if img.Digest != instances[tc.want] || img.ListDigest != listDigest {
				t.Errorf("Digest, ListDigest = %s, %s; want %s, %s", img.Digest, img.ListDigest, instances[tc.want], listDigest)
			}
			if img.ManifestMediaType != imgspecv1.MediaTypeImageManifest {
				t.Errorf("ManifestMediaType = %q, want the instance's", img.ManifestMediaType)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t)
	wrongDigest, _ := reference.WithDigest(reference.TrimNamed(reg.ref(t, "ns/app:v1")), digest.FromString("other"))
	for _, tc := range []struct {
		desc      string
		ref       reference.Named
		kind      error
		undecided bool
	}{
		{"unknown tag", reg.ref(t, "ns/app:nope"), ErrNotFound, true},
		{"unknown repository", reg.ref(t, "ns/none:v1"), ErrNotFound, true},
		{"unknown digest", wrongDigest, ErrNotFound, true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			_, err := c.Resolve(testContext(t), tc.ref)
			if !errors.Is(err, tc.kind) || IsUndecided(err) != tc.undecided {
				t.Fatalf("err = %v, want kind %v, undecided %v", err, tc.kind, tc.undecided)
			}
		})
	}
	if _, err := c.Resolve(testContext(t), reference.TrimNamed(reg.ref(t, "ns/app:v1"))); err == nil {
		t.Error("a reference without tag or digest resolved")
	}
}

func TestResolveNestedListInstanceIsRefused(t *testing.T) {
	reg := newTestRegistry(t, nil)
	inner := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	inner = mutate.AppendManifests(inner, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	outer := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: inner, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	ref, err := name.ParseReference(reg.host + "/ns/nested:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(ref, outer); err != nil {
		t.Fatal(err)
	}
	_, err = newTestClient(t).Resolve(testContext(t), reg.ref(t, "ns/nested:v1"))
	if !errors.Is(err, ErrMediaType) || IsUndecided(err) {
		t.Fatalf("err = %v, want ErrMediaType for a list inside a list", err)
	}
}

// TestEndpointsAreBounded: a long-lived Client reading ever new
// repositories remembers at most maxEndpoints of them, and still works
// after forgetting.
func TestEndpointsAreBounded(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t)
	ctx := testContext(t)
	for i := range maxEndpoints + 10 {
		ref := reg.ref(t, fmt.Sprintf("ns/missing%d:v1", i))
		if _, err := c.Resolve(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Fatalf("resolve %s: %v, want not found", ref, err)
		}
	}
	if n := c.endpoints.Len(); n > maxEndpoints {
		t.Errorf("%d endpoints remembered, want at most %d", n, maxEndpoints)
	}
	if _, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1")); err != nil {
		t.Fatal(err)
	}
}
