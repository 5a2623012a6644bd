package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

func registriesConf(t *testing.T, text string) *node.RegistriesConf {
	t.Helper()
	conf, err := node.ParseRegistriesConf(node.ConfFile{Name: "registries.conf", Data: []byte(text)})
	if err != nil {
		t.Fatal(err)
	}
	return conf
}

func TestMirrors(t *testing.T) {
	origin := newTestRegistry(t, nil)
	empty := newTestRegistry(t, nil)
	full := newTestRegistry(t, nil)
	d := origin.pushImage(t, "ns/app:v1")
	origin.pushSignatures(t, "ns/app", d, "from the origin")
	// The mirror holds the same image under another path, with its own attachment.
	if got := full.copyFrom(t, origin, "ns/app:v1", "copy/ns/app:v1"); got != d {
		t.Fatalf("copy has digest %s, want %s", got, d)
	}
	full.pushSignatures(t, "copy/ns/app", d, "from the mirror")
	conf := func(extra string, mirrors ...string) string {
		s := fmt.Sprintf("[[registry]]\nprefix = %q\nlocation = %q\n%s", origin.host+"/ns", origin.host+"/ns", extra)
		for _, m := range mirrors {
			s += fmt.Sprintf("[[registry.mirror]]\nlocation = %q\n", m)
		}
		return s
	}
	byDigest, err := reference.WithDigest(reference.TrimNamed(origin.ref(t, "ns/app:v1")), d)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc         string
		conf         string
		ref          reference.Named
		wantPhysical string
		wantPayload  string
	}{
		{"first mirror lacks the image, second has it", conf("", empty.host+"/m/ns", full.host+"/copy/ns"),
			origin.ref(t, "ns/app:v1"), full.host + "/copy/ns/app:v1", "from the mirror"},
		{"no mirror has it: the origin serves", conf("", empty.host+"/m/ns"),
			origin.ref(t, "ns/app:v1"), origin.host + "/ns/app:v1", "from the origin"},
		{"mirror-by-digest-only skips mirrors for a tag", conf("mirror-by-digest-only = true\n", full.host+"/copy/ns"),
			origin.ref(t, "ns/app:v1"), origin.host + "/ns/app:v1", "from the origin"},
		{"mirror-by-digest-only uses mirrors for a digest", conf("mirror-by-digest-only = true\n", full.host+"/copy/ns"),
			byDigest, full.host + "/copy/ns/app@" + d.String(), "from the mirror"},
		{"a prefix that does not match: no mirrors", fmt.Sprintf("[[registry]]\nprefix = %q\nlocation = %q\n[[registry.mirror]]\nlocation = %q\n", origin.host+"/other", origin.host+"/other", full.host+"/copy/ns"),
			origin.ref(t, "ns/app:v1"), origin.host + "/ns/app:v1", "from the origin"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := newTestClient(t, WithRegistriesConf(registriesConf(t, tc.conf)))
			ctx := testContext(t)
			img, err := c.Resolve(ctx, tc.ref)
			if err != nil {
				t.Fatal(err)
			}
			if img.Physical.String() != tc.wantPhysical || img.Logical.String() != tc.ref.String() || img.Digest != d {
				t.Errorf("Physical %s, Logical %s, Digest %s; want %s, %s, %s", img.Physical, img.Logical, img.Digest, tc.wantPhysical, tc.ref, d)
			}
			sigs, err := c.Signatures(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			if len(sigs) != 1 || string(sigs[0].Payload) != tc.wantPayload {
				t.Errorf("signatures %+v, want one %q", sigs, tc.wantPayload)
			}
		})
	}
}

func TestMirrorsAllFail(t *testing.T) {
	origin := newTestRegistry(t, nil)
	empty := newTestRegistry(t, nil)
	c := newTestClient(t, WithRegistriesConf(registriesConf(t, fmt.Sprintf(
		"[[registry]]\nlocation = %q\n[[registry.mirror]]\nlocation = %q\n", origin.host, empty.host))))
	_, err := c.Resolve(testContext(t), origin.ref(t, "ns/app:v1"))
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "Mirrors also failed") || !strings.Contains(err.Error(), empty.host) {
		t.Fatalf("err = %v, want the origin's ErrNotFound listing the mirror's failure", err)
	}
}

func TestBlockedRegistry(t *testing.T) {
	origin := newTestRegistry(t, nil)
	origin.pushImage(t, "ns/app:v1")
	origin.pushImage(t, "other/app:v1")
	// Blocking applies by prefix: the host, a namespace or a repository, as
	// the library looks up the physical reference's full name.
	for _, prefix := range []string{origin.host, origin.host + "/ns", origin.host + "/ns/app"} {
		c := newTestClient(t, WithRegistriesConf(registriesConf(t, fmt.Sprintf(
			"[[registry]]\nprefix = %q\nlocation = %q\nblocked = true\n", prefix, prefix))))
		_, err := c.Resolve(testContext(t), origin.ref(t, "ns/app:v1"))
		if !errors.Is(err, ErrBlocked) || IsUndecided(err) {
			t.Fatalf("blocked %s: err = %v, want ErrBlocked", prefix, err)
		}
		if prefix != origin.host {
			if _, err := c.Resolve(testContext(t), origin.ref(t, "other/app:v1")); err != nil {
				t.Errorf("blocked %s: other/app refused too: %v", prefix, err)
			}
		}
	}
}

func TestNilRegistriesConf(t *testing.T) {
	if _, err := New(WithRegistriesConf(nil)); err == nil {
		t.Fatal("New accepted a nil registries.conf")
	}
}

// TestMirrorServingOnlyTheList: a mirror that answers with the manifest
// list but lacks the platform instance is the source the library pulls
// from; the missing instance is final, not a reason to fall back.
func TestMirrorServingOnlyTheList(t *testing.T) {
	origin := newTestRegistry(t, nil)
	listDigest, instances := origin.pushIndex(t, "ns/app:v1", v1.Platform{OS: "linux", Architecture: "amd64"})
	instance := instances["linux/amd64"]
	// The mirror holds the list, but answers 404 for the instance.
	partial := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/manifests/"+instance.String()) {
				http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	idx, err := remote.Index(mustParseRef(t, origin.host+"/ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(mustParseRef(t, partial.host+"/m/ns/app:v1"), idx); err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, WithRegistriesConf(registriesConf(t, fmt.Sprintf(
		"[[registry]]\nprefix = %q\nlocation = %q\n[[registry.mirror]]\nlocation = %q\n", origin.host+"/ns", origin.host+"/ns", partial.host+"/m/ns"))))
	img, err := c.Resolve(testContext(t), origin.ref(t, "ns/app:v1"))
	if err == nil {
		t.Fatalf("resolved %s from %s; want the mirror's missing instance to fail the pull", img.Digest, img.Physical)
	}
	if strings.Contains(err.Error(), "Mirrors also failed") {
		t.Errorf("fell back to the origin after the mirror served list %s: %v", listDigest, err)
	}
}

func mustParseRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// TestDigestHeaderIsOnlyAWarning: the library never reads
// Docker-Content-Digest when pulling, so a header that disagrees with the
// body (or is not a digest at all) changes nothing but the trace.
func TestDigestHeaderIsOnlyAWarning(t *testing.T) {
	for _, header := range []string{"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", "not-a-digest"} {
		t.Run(header, func(t *testing.T) {
			reg := newTestRegistry(t, overrideHeader(isTagManifest, "Docker-Content-Digest", header))
			d := reg.pushImage(t, "ns/app:v1")
			reg.pushSignatures(t, "ns/app", d, "one")
			var tr Trace
			ctx := WithTrace(testContext(t), &tr)
			sigs, err := resolveAndRead(ctx, newTestClient(t), reg)
			if err != nil || len(sigs) != 1 {
				t.Fatalf("got %d signatures, %v; want the image and its signature", len(sigs), err)
			}
			w := tr.Warnings()
			if len(w) != 1 || !strings.Contains(w[0], "Docker-Content-Digest") || !strings.Contains(w[0], "ignored") {
				t.Errorf("warnings %q, want one about the ignored header", w)
			}
		})
	}
}

// TestMirrorSelectionIsTheLibrarys: the first source that answers the
// manifest request with a body is the one pulled from, whatever the body
// holds; a mirror that cannot serve it at all is skipped.
func TestMirrorSelectionIsTheLibrarys(t *testing.T) {
	origin := newTestRegistry(t, nil)
	d := origin.pushImage(t, "ns/app:v1")
	other := origin.pushImage(t, "ns/other:v1")
	origin.pushSignatures(t, "ns/app", d, "from the origin")
	otherBody := manifestBytes(t, origin, "ns/other:v1")
	byDigest, err := reference.WithDigest(reference.TrimNamed(origin.ref(t, "ns/app:v1")), d)
	if err != nil {
		t.Fatal(err)
	}
	isImageManifest := func(r *http.Request) bool {
		return strings.Contains(r.URL.Path, "/manifests/") && !strings.HasSuffix(r.URL.Path, ".sig")
	}
	down := newTestRegistry(t, nil)
	down.server.Close()
	for _, tc := range []struct {
		desc         string
		mirror       func(http.Handler) http.Handler // nil: a faithful copy
		mirrorDown   bool
		ref          reference.Named
		kind         error  // nil: resolves
		wantPhysical string // the source the image was read from
	}{
		{desc: "faithful mirror, by tag", ref: origin.ref(t, "ns/app:v1"), wantPhysical: "mirror"},
		{desc: "faithful mirror, by digest", ref: byDigest, wantPhysical: "mirror"},
		{desc: "another manifest for the digest is final", ref: byDigest, kind: ErrDigestMismatch,
			mirror: intercept(isImageManifest, body(string(types.DockerManifestSchema2), string(otherBody)))},
		{desc: "another manifest for the tag is the image pulled", ref: origin.ref(t, "ns/app:v1"), wantPhysical: "mirror",
			mirror: intercept(isImageManifest, body(string(types.DockerManifestSchema2), string(otherBody)))},
		{desc: "an unacceptable media type is final", ref: origin.ref(t, "ns/app:v1"), kind: ErrMediaType,
			mirror: overrideHeader(isImageManifest, "Content-Type", "text/plain")},
		{desc: "a garbled manifest is final", ref: byDigest, kind: ErrDigestMismatch,
			mirror: intercept(isImageManifest, body(string(types.DockerManifestSchema2), "{")),
		},
		{desc: "a wrong Docker-Content-Digest is ignored", ref: byDigest, wantPhysical: "mirror",
			mirror: overrideHeader(isImageManifest, "Docker-Content-Digest", string(other))},
		{desc: "manifest unknown on the mirror: the origin serves", ref: byDigest, wantPhysical: "origin",
			mirror: intercept(isImageManifest, status(http.StatusNotFound))},
		{desc: "server error on the mirror: the origin serves", ref: origin.ref(t, "ns/app:v1"), wantPhysical: "origin",
			mirror: intercept(isImageManifest, status(http.StatusInternalServerError))},
		{desc: "oversized body on the mirror: the origin serves", ref: byDigest, wantPhysical: "origin",
			mirror: intercept(isImageManifest, body(string(types.DockerManifestSchema2), strings.Repeat(" ", maxManifestSize+1)))},
		{desc: "mirror down: the origin serves", ref: byDigest, mirrorDown: true, wantPhysical: "origin"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			mirrorHost := down.host
			if !tc.mirrorDown {
				m := newTestRegistry(t, tc.mirror)
				m.copyFrom(t, origin, "ns/app:v1", "m/ns/app:v1")
				mirrorHost = m.host
			}
			c := newTestClient(t, WithRetries(0), WithRegistriesConf(registriesConf(t, fmt.Sprintf(
				"[[registry]]\nprefix = %q\nlocation = %q\n[[registry.mirror]]\nlocation = %q\n", origin.host+"/ns", origin.host+"/ns", mirrorHost+"/m/ns"))))
			img, err := c.Resolve(testContext(t), tc.ref)
			if tc.kind != nil {
				if !errors.Is(err, tc.kind) || strings.Contains(err.Error(), "Mirrors also failed") {
					t.Fatalf("err = %v; want %v from the mirror, without falling back to the origin", err, tc.kind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := "origin"
			if reference.Domain(img.Physical) == mirrorHost {
				got = "mirror"
			}
			if got != tc.wantPhysical {
				t.Errorf("read from the %s (%s), want the %s", got, img.Physical, tc.wantPhysical)
			}
		})
	}
}

// manifestBytes returns the raw manifest of repoAndTag in r.
func manifestBytes(t *testing.T, r *testRegistry, repoAndTag string) []byte {
	t.Helper()
	desc, err := remote.Get(mustParseRef(t, r.host+"/"+repoAndTag))
	if err != nil {
		t.Fatal(err)
	}
	return desc.Manifest
}

// TestNamespaceProxyIsNotSent pins a documented difference
// (docs/divergences.md): the library appends ?ns=<value> to every request
// to a mirror with namespace-proxy; sigpolicy does not.
func TestNamespaceProxyIsNotSent(t *testing.T) {
	origin := newTestRegistry(t, nil)
	var (
		mu      sync.Mutex
		queries []string
	)
	mirror := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path != "/v2/" {
				mu.Lock()
				queries = append(queries, r.URL.RawQuery)
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	})
	d := origin.pushImage(t, "ns/app:v1")
	mirror.copyFrom(t, origin, "ns/app:v1", "ns/app:v1")
	mu.Lock()
	queries = nil
	mu.Unlock()
	c := newTestClient(t, WithRegistriesConf(registriesConf(t, fmt.Sprintf(
		"[[registry]]\nprefix = %q\nlocation = %q\n[[registry.mirror]]\nlocation = %q\nnamespace-proxy = %q\n", origin.host+"/ns", origin.host+"/ns", mirror.host+"/ns", origin.host))))
	img, err := c.Resolve(testContext(t), origin.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	if img.Digest != d || reference.Domain(img.Physical) != mirror.host {
		t.Fatalf("resolved %s from %s, want %s from the mirror", img.Digest, img.Physical, d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(queries) == 0 || strings.Join(queries, "") != "" {
		t.Errorf("queries to the mirror %q, want requests without the library's ns parameter", queries)
	}
}
