package verify_test

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/fixtures"
	"github.com/sigpolicy/sigpolicy/internal/libref"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

// misbehaviour is how a test registry answers GET requests once armed
// (pushes and copies before that are served faithfully).
type misbehaviour int

const (
	faithful         misbehaviour = iota
	hideSignatures                // 404 for every .sig manifest
	hideImage                     // 404 for the image's manifests
	otherManifest                 // another valid manifest for every image manifest request
	wrongDigestHead               // a Docker-Content-Digest naming another manifest
	serverError                   // 500 for the image's manifests
	tamperSignatures              // every .sig manifest with its first signature altered
)

// diffRegistry is go-containerregistry's registry on loopback behind a
// misbehaviour.
type diffRegistry struct {
	host  string
	armed atomic.Bool
	close func()
}

func newDiffRegistry(t *testing.T, m misbehaviour) *diffRegistry {
	t.Helper()
	r := &diffRegistry{}
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		p := req.URL.Path
		manifest := strings.Contains(p, "/manifests/")
		sig := manifest && strings.HasSuffix(p, ".sig")
		if !r.armed.Load() || req.Method != http.MethodGet || !manifest {
			inner.ServeHTTP(w, req)
			return
		}
		switch {
		case m == hideSignatures && sig:
			http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`, http.StatusNotFound)
		case m == hideImage && !sig:
			http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`, http.StatusNotFound)
		case m == serverError && !sig:
			http.Error(w, "internal error", http.StatusInternalServerError)
		case m == otherManifest && !sig:
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, req)
			// The same manifest with one more byte of white space: valid,
			// with another digest, and never signed.
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(append(rec.Body.Bytes(), ' '))
		case m == tamperSignatures && sig:
			rec := httptest.NewRecorder()
			inner.ServeHTTP(rec, req)
			w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(bytes.Replace(rec.Body.Bytes(), []byte(`"dev.cosignproject.cosign/signature":"M`), []byte(`"dev.cosignproject.cosign/signature":"N`), 1))
		case m == wrongDigestHead && !sig:
			inner.ServeHTTP(headerForcing{w, "Docker-Content-Digest", "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}, req)
		default:
			inner.ServeHTTP(w, req)
		}
	}))
	t.Cleanup(srv.Close)
	r.host = strings.TrimPrefix(srv.URL, "http://")
	r.close = srv.Close
	return r
}

// headerForcing sets one response header whatever the handler sets.
type headerForcing struct {
	http.ResponseWriter
	key, value string
}

func (h headerForcing) WriteHeader(code int) {
	h.ResponseWriter.Header().Set(h.key, h.value)
	h.ResponseWriter.WriteHeader(code)
}

// copyManifest copies one image (manifest and blobs, byte for byte) between registries.
func copyManifest(t *testing.T, from, to string) {
	t.Helper()
	src, err := name.ParseReference(from)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := name.ParseReference(to)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(dst, img); err != nil {
		t.Fatal(err)
	}
}

// TestDifferentialMirrors decides a signed image pulled through a mirror
// that misbehaves, with the containers library and with sigpolicy, on the
// same registries, policy.json, registries.d and registries.conf, and
// requires the same verdict, and the one written here. The library pulls
// from the first source that serves the manifest at all and checks it only
// then: a wrong manifest for a digest is final, a Docker-Content-Digest
// header is never read, and signatures come from the source pulled from.
func TestDifferentialMirrors(t *testing.T) {
	const scenario = "key-tagged"
	for _, tc := range []struct {
		desc         string
		origin       misbehaviour
		mirror       misbehaviour
		mirrorDown   bool
		mirrorSigned bool // the mirror holds the .sig attachment too
		allow        bool
	}{
		{desc: "faithful mirror", mirrorSigned: true, allow: true},
		{desc: "signature only on the origin", origin: faithful, mirrorSigned: false, allow: false},
		{desc: "signature only on the mirror", origin: hideSignatures, mirrorSigned: true, allow: true},
		{desc: "mirror lacks the image", mirror: hideImage, mirrorSigned: true, allow: true},
		{desc: "mirror down", mirrorDown: true, allow: true},
		{desc: "mirror down, signature only on the mirror", origin: hideSignatures, mirrorDown: true, allow: false},
		{desc: "mirror server error", mirror: serverError, mirrorSigned: true, allow: true},
		{desc: "mirror serves another manifest", mirror: otherManifest, mirrorSigned: true, allow: false},
		{desc: "mirror's digest header is wrong, signature only on the mirror", origin: hideSignatures, mirror: wrongDigestHead, mirrorSigned: true, allow: true},
		{desc: "mirror's digest header is wrong, signature only on the origin", mirror: wrongDigestHead, mirrorSigned: false, allow: false},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			origin := newDiffRegistry(t, tc.origin)
			cat, err := fixtures.Push(ctx, origin.host, fixtures.Options{Scenarios: []string{scenario}})
			if err != nil {
				t.Fatal(err)
			}
			mirror := newDiffRegistry(t, tc.mirror)
			repo := origin.host + "/scenarios/" + scenario
			mirrorRepo := mirror.host + "/mirror/scenarios/" + scenario
			var tagged, digested string
			for _, e := range cat.Entries {
				if strings.Contains(e.Reference, "@") {
					digested = e.Reference
				} else {
					tagged = e.Reference
				}
			}
			dgst := digested[strings.Index(digested, "@")+1:]
			copyManifest(t, tagged, mirrorRepo+":v1")
			if tc.mirrorSigned {
				sigTag := ":" + strings.Replace(dgst, ":", "-", 1) + ".sig"
				copyManifest(t, repo+sigTag, mirrorRepo+sigTag)
			}
			mirrorHost := mirror.host
			if tc.mirrorDown {
				down := httptest.NewServer(http.NotFoundHandler())
				mirrorHost = strings.TrimPrefix(down.URL, "http://")
				down.Close()
			}
			origin.armed.Store(true)
			mirror.armed.Store(true)

			regConf := fmt.Sprintf("[[registry]]\nprefix = %q\nlocation = %q\n[[registry.mirror]]\nlocation = %q\n",
				origin.host+"/scenarios", origin.host+"/scenarios", mirrorHost+"/mirror/scenarios")
			policyJSON, regD := renderFixturePolicy(t, cat, scenario)
			regD["mirror.yaml"] = fmt.Appendf(nil, "docker:\n  %q:\n    use-sigstore-attachments: true\n", mirrorHost)

			engine := mirrorEngine(t, policyJSON, regD, regConf)
			for _, ref := range []string{tagged, digested} {
				libAllowed, libErr := libref.AllowedWith(ctx, libref.Inputs{PolicyJSON: policyJSON, RegistriesD: regD, RegistriesConf: []byte(regConf)}, ref, "")
				d, err := engine.Verify(ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				if d.Allowed != libAllowed {
					t.Errorf("%s: sigpolicy allowed=%v (%s: %s); library allowed=%v (%v)", ref, d.Allowed, d.Outcome, d.Reason, libAllowed, libErr)
				}
				if d.Allowed != tc.allow {
					t.Errorf("%s: sigpolicy allowed=%v (%s), want %v", ref, d.Allowed, d.Reason, tc.allow)
				}
				if tc.mirror == wrongDigestHead && !strings.Contains(strings.Join(d.Warnings, " "), "Docker-Content-Digest") {
					t.Errorf("%s: no warning about the mirror's Docker-Content-Digest in %q", ref, d.Warnings)
				}
			}
		})
	}
}

// TestDifferentialDigestHeader: a registry without mirrors announcing a
// Docker-Content-Digest that is not the manifest's; the library never
// reads the header.
func TestDifferentialDigestHeader(t *testing.T) {
	const scenario = "key-tagged"
	ctx := t.Context()
	origin := newDiffRegistry(t, wrongDigestHead)
	cat, err := fixtures.Push(ctx, origin.host, fixtures.Options{Scenarios: []string{scenario}})
	if err != nil {
		t.Fatal(err)
	}
	origin.armed.Store(true)
	policyJSON, regD := renderFixturePolicy(t, cat, scenario)
	engine := mirrorEngine(t, policyJSON, regD, "")
	for _, e := range cat.Entries {
		libAllowed, libErr := libref.AllowedWith(ctx, libref.Inputs{PolicyJSON: policyJSON, RegistriesD: regD}, e.Reference, "")
		d, err := engine.Verify(ctx, e.Reference)
		if err != nil {
			t.Fatal(err)
		}
		if !libAllowed || !d.Allowed {
			t.Errorf("%s: sigpolicy allowed=%v (%s); library allowed=%v (%v); want both to allow", e.Reference, d.Allowed, d.Reason, libAllowed, libErr)
		}
		if len(d.Warnings) != 1 {
			t.Errorf("%s: warnings %q, want one about the header", e.Reference, d.Warnings)
		}
	}
}

// renderFixturePolicy renders the MatchRepository policy of scenario as the
// MCO would: policy.json and the registries.d file.
func renderFixturePolicy(t *testing.T, cat *fixtures.Catalogue, scenario string) ([]byte, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	if err := cat.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, e := range cat.Entries {
		for _, x := range e.Expect {
			if e.Scenario != scenario || x.MatchPolicy != "MatchRepository" {
				continue
			}
			set, err := policy.Load(filepath.Join(dir, x.Policy))
			if err != nil {
				t.Fatal(err)
			}
			rendered, err := policy.Render(set, policy.RenderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return rendered.PolicyJSON, map[string][]byte{"sigstore-registries.yaml": rendered.RegistriesD}
		}
	}
	t.Fatalf("no MatchRepository policy for %s", scenario)
	return nil, nil
}

// mirrorEngine builds sigpolicy's engine on the same node files, with a
// fetcher that does not retry (the library does not).
func mirrorEngine(t *testing.T, policyJSON []byte, regD map[string][]byte, regConf string, opts ...verify.Option) *verify.Engine {
	t.Helper()
	pol, err := node.ParsePolicy(policyJSON)
	if err != nil {
		t.Fatal(err)
	}
	regs, err := node.ParseRegistriesD(regD)
	if err != nil {
		t.Fatal(err)
	}
	cfg := node.Config{Policy: pol, RegistriesD: regs}
	if regConf != "" {
		if cfg.RegistriesConf, err = node.ParseRegistriesConf(node.ConfFile{Name: "registries.conf", Data: []byte(regConf)}); err != nil {
			t.Fatal(err)
		}
	}
	fetchOpts := verify.WithFetchOptions(fetch.WithRetries(0), fetch.WithRequestTimeout(5*time.Second))
	engine, err := verify.New(cfg, append([]verify.Option{fetchOpts}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return engine
}

// TestLookasideIsNotRead pins a documented difference
// (docs/divergences.md): where registries.d configures a lookaside server
// for a scope, the library reads it before the attachments and denies when
// it cannot; sigpolicy reads only the attachments.
func TestLookasideIsNotRead(t *testing.T) {
	const scenario = "key-tagged"
	ctx := t.Context()
	origin := newDiffRegistry(t, faithful)
	cat, err := fixtures.Push(ctx, origin.host, fixtures.Options{Scenarios: []string{scenario}})
	if err != nil {
		t.Fatal(err)
	}
	policyJSON, regD := renderFixturePolicy(t, cat, scenario)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	regD["lookaside.yaml"] = fmt.Appendf(nil, "docker:\n  %q:\n    lookaside: %q\n", origin.host, closed.URL+"/signatures")
	engine := mirrorEngine(t, policyJSON, regD, "")
	for _, e := range cat.Entries {
		libAllowed, libErr := libref.AllowedWith(ctx, libref.Inputs{PolicyJSON: policyJSON, RegistriesD: regD}, e.Reference, "")
		d, err := engine.Verify(ctx, e.Reference)
		if err != nil {
			t.Fatal(err)
		}
		if libAllowed || !d.Allowed {
			t.Errorf("%s: library allowed=%v (%v), sigpolicy allowed=%v (%s); want the library to deny on the unreachable lookaside and sigpolicy to allow",
				e.Reference, libAllowed, libErr, d.Allowed, d.Reason)
		}
	}
}
