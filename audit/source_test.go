package audit_test

import (
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/fetch"
)

func TestReleaseErrors(t *testing.T) {
	cat, _ := catalogueDir(t)
	client, err := fetch.New(fetch.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	plain := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(plain.Close)
	host := strings.TrimPrefix(plain.URL, "http://")
	img, err := random.Image(256, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/ns/not-a-release:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		image string
		want  error
	}{
		{host + "/ns/not-a-release:v1", audit.ErrNoImageReferences},
		{cat.Registry + "/scenarios/hostile-blob-digest-mismatch:v1", fetch.ErrDigestMismatch},
		{cat.Registry + "/scenarios/absent:v1", fetch.ErrNotFound},
	} {
		var got error
		for _, err := range audit.Release(t.Context(), client, tc.image, time.Minute) {
			if err != nil {
				got = err
			}
		}
		if !errors.Is(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.image, got, tc.want)
		}
	}
}

func TestRepositorySource(t *testing.T) {
	cat, _ := catalogueDir(t)
	client, err := fetch.New()
	if err != nil {
		t.Fatal(err)
	}
	list := func(spec string) ([]string, error) {
		var out []string
		for ref, err := range audit.Repository(t.Context(), client, spec) {
			if err != nil {
				return out, err
			}
			out = append(out, ref.Image)
		}
		return out, nil
	}
	got, err := list(cat.Registry + "/scenarios/key-tagged")
	if err != nil || !slices.Equal(got, []string{cat.Registry + "/scenarios/key-tagged:v1"}) {
		t.Errorf("tags of key-tagged: %v %v", got, err)
	}
	got, err = list(cat.Registry + "/audit/origin/")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, img := range cat.Audit.Images {
		if !strings.Contains(img.Reference, "@") {
			want = append(want, img.Reference)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("catalog under audit/origin/: %v, want %v", got, want)
	}
	for _, bad := range []string{"", "noregistry/ns/app", cat.Registry + "/ns/app:v1", cat.Registry + "/ns/app@sha256:00", cat.Registry + "/Upper"} {
		if _, err := list(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
