package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestSignatures(t *testing.T) {
	reg := newTestRegistry(t, nil)
	d := reg.pushImage(t, "ns/app:v1")
	payloads := []string{`{"n":1}`, `{"n":2}`, `{"n":3}`, `{"n":4}`, `{"n":5}`}
	layers := reg.pushSignatures(t, "ns/app", d, payloads...)
	c := newTestClient(t, WithConcurrency(2))
	ctx := testContext(t)
	img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := c.Signatures(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != len(payloads) {
		t.Fatalf("got %d signatures, want %d", len(sigs), len(payloads))
	}
	for i, s := range sigs {
		if string(s.Payload) != payloads[i] || s.LayerDigest != layers[i] || s.MediaType != simpleSigningType ||
			s.Annotations["dev.cosignproject.cosign/signature"] != fmt.Sprintf("sig-%d", i) {
			t.Errorf("signature %d = %+v, want payload %s in layer %s, in manifest order", i, s, payloads[i], layers[i])
		}
	}
}

func TestSignaturesOfManifestListInstance(t *testing.T) {
	reg := newTestRegistry(t, nil)
	listDigest, instances := reg.pushIndex(t, "ns/multi:v1", v1.Platform{OS: "linux", Architecture: "amd64"}, v1.Platform{OS: "linux", Architecture: "arm64"})
	reg.pushSignatures(t, "ns/multi", listDigest, "on the list")
	reg.pushSignatures(t, "ns/multi", instances["linux/amd64"], "on the instance")
	c := newTestClient(t)
	ctx := testContext(t)
	img, err := c.Resolve(ctx, reg.ref(t, "ns/multi:v1"))
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := c.Signatures(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if len(sigs) != 1 || string(sigs[0].Payload) != "on the instance" {
		t.Fatalf("signatures = %+v, want the instance's only", sigs)
	}
}

func TestSignaturesMissingTag(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t)
	ctx := testContext(t)
	img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	var tr Trace
	sigs, err := c.Signatures(WithTrace(ctx, &tr), img)
	if err != nil || len(sigs) != 0 {
		t.Fatalf("Signatures = %v, %v; want none and no error", sigs, err)
	}
	reqs := tr.Requests()
	if len(reqs) != 1 || reqs[0].Status != 404 || !strings.HasSuffix(reqs[0].URL, sigstoreAttachmentTag(img.Digest)) {
		t.Errorf("requests = %+v, want one 404 for the .sig tag", reqs)
	}
	if st := tr.Stages(); len(st) != 1 || st[0].Name != "signatures" || st[0].Duration <= 0 {
		t.Errorf("stages = %+v, want one timed signatures stage", st)
	}
	c.CloseIdleConnections()
	if _, err := c.Signatures(ctx, img); err != nil {
		t.Errorf("after CloseIdleConnections: %v", err)
	}
}

func TestSignaturesRequestsPerDecision(t *testing.T) {
	reg := newTestRegistry(t, nil)
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "one")
	for _, tc := range []struct {
		desc       string
		cache      int64
		wantSecond int // requests of a second decision on the same tag
	}{
		{"cache on: the blob is served from memory", DefaultCacheBytes, 2},
		{"cache off", 0, 3},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := newTestClient(t, WithCacheBytes(tc.cache))
			ctx := testContext(t)
			decide := func() *Trace {
				var tr Trace
				tctx := WithTrace(ctx, &tr)
				img, err := c.Resolve(tctx, reg.ref(t, "ns/app:v1"))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.Signatures(tctx, img); err != nil {
					t.Fatal(err)
				}
				return &tr
			}
			decide()
			before := reg.total.Load()
			tr := decide()
			if got := int(reg.total.Load() - before); got != tc.wantSecond {
				t.Errorf("second decision sent %d requests, want %d (trace %+v)", got, tc.wantSecond, tr.Requests())
			}
			if len(tr.Requests()) != 3 {
				t.Errorf("trace has %d entries, want 3 (cached ones included)", len(tr.Requests()))
			}
		})
	}
}

func TestSignaturesAreCopies(t *testing.T) {
	reg := newTestRegistry(t, nil)
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "payload")
	c := newTestClient(t)
	ctx := testContext(t)
	img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.Signatures(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	first[0].Payload[0] = 'X'
	first[0].Annotations["x"] = "y"
	second, err := c.Signatures(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if string(second[0].Payload) != "payload" || len(second[0].Annotations) != 1 {
		t.Errorf("a caller's change leaked into the cache: %+v", second[0])
	}
}

func TestSignaturesInvalidInput(t *testing.T) {
	c := newTestClient(t)
	reg := newTestRegistry(t, nil)
	for _, tc := range []struct {
		desc string
		img  *Image
	}{
		{"nil image", nil},
		{"no physical reference", &Image{Digest: digest.FromString("x")}},
		{"invalid digest", &Image{Physical: reg.ref(t, "ns/app:v1"), Digest: "sha256:short"}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := c.Signatures(testContext(t), tc.img); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
	if _, err := c.Resolve(testContext(t), nil); err == nil {
		t.Error("Resolve(nil) succeeded")
	}
}

// TestAttachmentManifestMemo: a `.sig` manifest read again is not parsed
// again (its layers are the very ones remembered), and what is read always
// follows the bytes the registry serves: replaced signatures are seen at
// once, restored ones too.
func TestAttachmentManifestMemo(t *testing.T) {
	reg := newTestRegistry(t, nil)
	d := reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t)
	parsed := map[digest.Digest]*imgspecv1.Descriptor{} // the first parse's layers of each manifest
	read := func(want string, remembered int) {
		t.Helper()
		ctx := testContext(t)
		img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
		if err != nil {
			t.Fatal(err)
		}
		att, err := c.Attachment(ctx, img)
		if err != nil || len(att.Signatures) != 1 || string(att.Signatures[0].Payload) != want {
			t.Fatalf("got %v, %v; want one signature %q", att, err, want)
		}
		if n := c.attachmentManifests.Len(); n != remembered {
			t.Fatalf("%d manifests remembered, want %d", n, remembered)
		}
		layers, ok := c.attachmentManifests.Get(att.Digest)
		if !ok || len(layers) != 1 {
			t.Fatalf("manifest %s not remembered: %v", att.Digest, layers)
		}
		if first, seen := parsed[att.Digest]; !seen {
			parsed[att.Digest] = &layers[0]
		} else if first != &layers[0] {
			t.Fatalf("manifest %s was parsed again", att.Digest)
		}
	}
	reg.pushSignatures(t, "ns/app", d, "first")
	read("first", 1)
	read("first", 1)
	reg.pushSignatures(t, "ns/app", d, "second")
	read("second", 2)
	reg.pushSignatures(t, "ns/app", d, "first")
	read("first", 2)
}

// TestAttachmentDigestChecksMediaType: AttachmentDigest accepts only what
// Attachment accepts, so the same bytes served under another Content-Type
// do not prove an earlier verdict current.
func TestAttachmentDigestChecksMediaType(t *testing.T) {
	var docker atomic.Bool
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		relabel := overrideHeader(isSigManifest, "Content-Type", "application/vnd.docker.distribution.manifest.v2+json")(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if docker.Load() {
				relabel.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "one")
	c := newTestClient(t)
	ctx := testContext(t)
	img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	att, err := c.Attachment(ctx, img)
	if err != nil || att.Digest == "" {
		t.Fatalf("Attachment = %v, %v", att, err)
	}
	docker.Store(true)
	got, err := c.AttachmentDigest(ctx, img)
	if !errors.Is(err, ErrMediaType) || IsUndecided(err) || got != "" {
		t.Fatalf("AttachmentDigest = %q, %v; want ErrMediaType", got, err)
	}
}
