package fetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// intercept answers GET requests matching match with h; the rest (the
// test's own pushes too) reach the registry.
func intercept(match func(*http.Request) bool, h http.HandlerFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && match(r) {
				h(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isSigManifest(r *http.Request) bool {
	return strings.Contains(r.URL.Path, "/manifests/") && strings.HasSuffix(r.URL.Path, ".sig")
}
func isBlob(r *http.Request) bool        { return strings.Contains(r.URL.Path, "/blobs/") }
func isTagManifest(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/manifests/v1") }

// stall answers after d, or when the client goes away.
func stall(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

func body(contentType, b string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write([]byte(b))
	}
}

// TestHostileRegistry: every hostile answer ends in the right kind of error
// within its deadline; none yields signatures.
func TestHostileRegistry(t *testing.T) {
	fast := []Option{WithRetries(1), WithRequestTimeout(2 * time.Second)}
	sigManifest := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[`
	layer := `{"mediaType":"` + simpleSigningType + `","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}`
	for _, tc := range []struct {
		desc      string
		wrap      func(http.Handler) http.Handler
		opts      []Option
		deadline  time.Duration // the caller's context
		kind      error
		undecided bool
		within    time.Duration
	}{
		{
			desc: "slow manifest vs request timeout",
			wrap: intercept(isTagManifest, stall(time.Minute)),
			opts: []Option{WithRetries(1), WithRequestTimeout(100 * time.Millisecond)},
			kind: ErrUnavailable, undecided: true, within: 2 * time.Second,
		},
		{
			desc:     "slow manifest vs caller deadline",
			wrap:     intercept(isTagManifest, stall(time.Minute)),
			opts:     []Option{WithRequestTimeout(time.Minute)},
			deadline: 200 * time.Millisecond,
			kind:     context.DeadlineExceeded, undecided: true, within: 2 * time.Second,
		},
		{
			desc: "slow signature blob vs request timeout",
			wrap: intercept(isBlob, stall(time.Minute)),
			opts: []Option{WithRetries(0), WithRequestTimeout(100 * time.Millisecond)},
			kind: ErrUnavailable, undecided: true, within: 2 * time.Second,
		},
		{
			desc: "persistent 500",
			wrap: intercept(isSigManifest, status(http.StatusInternalServerError)),
			opts: fast,
			kind: ErrUnavailable, undecided: true, within: 2 * time.Second,
		},
		{
			desc: "429 asking to wait longer than allowed",
			wrap: intercept(isSigManifest, status(http.StatusTooManyRequests, "Retry-After", "3600")),
			opts: fast,
			kind: ErrUnavailable, undecided: true, within: time.Second,
		},
		{
			desc:     "429 asking to wait beyond the caller's deadline",
			wrap:     intercept(isSigManifest, status(http.StatusTooManyRequests, "Retry-After", "5")),
			opts:     fast,
			deadline: 2 * time.Second,
			kind:     ErrUnavailable, undecided: true, within: time.Second,
		},
		{
			desc: "401 on the signature manifest",
			wrap: intercept(isSigManifest, status(http.StatusUnauthorized)),
			kind: ErrAuth, undecided: true, within: time.Second,
		},
		{
			desc: "403 on the image manifest",
			wrap: intercept(isTagManifest, status(http.StatusForbidden)),
			kind: ErrAuth, undecided: true, within: time.Second,
		},
		{
			desc: "connection dropped",
			wrap: intercept(isSigManifest, func(w http.ResponseWriter, r *http.Request) {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
			}),
			opts: fast,
			kind: ErrUnavailable, undecided: true, within: 2 * time.Second,
		},
		{
			desc: "wrong Content-Type on the .sig manifest",
			wrap: intercept(isSigManifest, body("application/vnd.docker.distribution.manifest.v2+json", sigManifest+layer+"]}")),
			kind: ErrMediaType, within: time.Second,
		},
		{
			desc: "no Content-Type on the .sig manifest",
			wrap: intercept(isSigManifest, body("", sigManifest+layer+"]}")),
			kind: ErrMediaType, within: time.Second,
		},
		{
			desc: "image manifest served as text/plain",
			wrap: overrideHeader(isTagManifest, "Content-Type", "text/plain"),
			kind: ErrMediaType, within: time.Second,
		},
		{
			desc: "malformed .sig manifest",
			wrap: intercept(isSigManifest, body("application/vnd.oci.image.manifest.v1+json", `{"layers": [`)),
			kind: ErrMalformed, within: time.Second,
		},
		{
			desc: "index posing as the .sig manifest",
			wrap: intercept(isSigManifest, body("application/vnd.oci.image.manifest.v1+json", `{"schemaVersion":2,"manifests":[]}`)),
			kind: ErrMalformed, within: time.Second,
		},
		{
			desc: "signature blob missing",
			wrap: intercept(isBlob, status(http.StatusNotFound)),
			kind: ErrMalformed, within: time.Second,
		},
		{
			desc: "blob digest mismatch",
			wrap: intercept(isBlob, body("application/octet-stream", "not what was signed")),
			kind: ErrDigestMismatch, within: time.Second,
		},
		{
			desc: "oversized blob announced by Content-Length",
			wrap: intercept(isBlob, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(DefaultMaxBlobSize+1))
				_, _ = w.Write(make([]byte, DefaultMaxBlobSize+1))
			}),
			kind: ErrTooLarge, within: 2 * time.Second,
		},
		{
			desc: "oversized blob streamed without Content-Length",
			wrap: intercept(isBlob, func(w http.ResponseWriter, r *http.Request) {
				chunk := make([]byte, 64<<10)
				for range (DefaultMaxBlobSize / len(chunk)) + 1 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
					w.(http.Flusher).Flush()
				}
			}),
			kind: ErrTooLarge, within: 2 * time.Second,
		},
		{
			desc: "oversized manifest",
			wrap: intercept(isTagManifest, body("application/vnd.oci.image.manifest.v1+json", strings.Repeat(" ", maxManifestSize+1))),
			kind: ErrTooLarge, within: 2 * time.Second,
		},
		{
			desc: "truncated blob",
			wrap: intercept(isBlob, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000")
				_, _ = w.Write([]byte("short"))
			}),
			kind: ErrTruncated, within: time.Second,
		},
		{
			desc: "redirect loop",
			wrap: intercept(isSigManifest, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("hop") == "" {
					http.Redirect(w, r, r.URL.Path+"?hop=1", http.StatusFound)
					return
				}
				http.Redirect(w, r, r.URL.Path, http.StatusFound)
			}),
			kind: ErrRedirect, within: time.Second,
		},
		{
			desc: "endless redirects",
			wrap: intercept(isSigManifest, func(w http.ResponseWriter, r *http.Request) {
				n, _ := strconv.Atoi(r.URL.Query().Get("hop"))
				http.Redirect(w, r, r.URL.Path+"?hop="+strconv.Itoa(n+1), http.StatusFound)
			}),
			kind: ErrRedirect, within: time.Second,
		},
		{
			desc: "redirect to plain HTTP on a public host",
			wrap: intercept(isBlob, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://registry.example.com/blob", http.StatusTemporaryRedirect)
			}),
			kind: ErrInsecure, within: time.Second,
		},
		{
			desc: "unexpected status",
			wrap: intercept(isSigManifest, status(http.StatusTeapot)),
			kind: ErrUnexpectedStatus, within: time.Second,
		},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			reg := newTestRegistry(t, tc.wrap)
			d := reg.pushImage(t, "ns/app:v1")
			reg.pushSignatures(t, "ns/app", d, "one", "two")
			c := newTestClient(t, tc.opts...)
			ctx := testContext(t)
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.deadline)
				defer cancel()
			}
			start := time.Now()
			sigs, err := resolveAndRead(ctx, c, reg)
			elapsed := time.Since(start)
			t.Logf("error: %v", err)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v, want kind %v", err, tc.kind)
			}
			if IsUndecided(err) != tc.undecided {
				t.Errorf("IsUndecided(%v) = %v, want %v", err, !tc.undecided, tc.undecided)
			}
			if sigs != nil {
				t.Errorf("signatures %v returned with an error", sigs)
			}
			if elapsed > tc.within {
				t.Errorf("took %v, want at most %v", elapsed, tc.within)
			}
		})
	}
}

func resolveAndRead(ctx context.Context, c *Client, reg *testRegistry) ([]Signature, error) {
	img, err := c.Resolve(ctx, reg.ref(nilTB{}, "ns/app:v1"))
	if err != nil {
		return nil, err
	}
	return c.Signatures(ctx, img)
}

// overrideHeader lets the registry answer GET requests matching match, with
// header key forced to value.
func overrideHeader(match func(*http.Request) bool, key, value string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && match(r) {
				w = headerOverride{w, key, value}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// headerOverride forces one response header, whatever the handler sets.
type headerOverride struct {
	http.ResponseWriter
	key, value string
}

func (h headerOverride) WriteHeader(code int) {
	h.ResponseWriter.Header().Set(h.key, h.value)
	h.ResponseWriter.WriteHeader(code)
}

func TestRetryAfterThenSuccess(t *testing.T) {
	var calls atomic.Int32
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && isSigManifest(r) && calls.Add(1) == 1 {
				status(http.StatusTooManyRequests, "Retry-After", "1")(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "one")
	c := newTestClient(t)
	var tr Trace
	start := time.Now()
	sigs, err := resolveAndRead(WithTrace(testContext(t), &tr), c, reg)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("got %v, %v; want one signature after the retry", sigs, err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %v, before the Retry-After of 1s", elapsed)
	}
	var attempts []string
	for _, r := range tr.Requests() {
		if strings.HasSuffix(r.URL, ".sig") {
			attempts = append(attempts, strconv.Itoa(r.Attempt)+":"+strconv.Itoa(r.Status))
		}
	}
	if strings.Join(attempts, " ") != "1:429 2:200" {
		t.Errorf(".sig attempts = %v, want [1:429 2:200]", attempts)
	}
}

func TestPersistent500IsRetriedABoundedNumberOfTimes(t *testing.T) {
	reg := newTestRegistry(t, intercept(isSigManifest, status(http.StatusBadGateway)))
	d := reg.pushImage(t, "ns/app:v1")
	c := newTestClient(t, WithRetries(2))
	_, err := resolveAndRead(testContext(t), c, reg)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if got := reg.count("/v2/ns/app/manifests/" + sigstoreAttachmentTag(d)); got != 3 {
		t.Errorf(".sig manifest requested %d times, want 3 (1 + 2 retries)", got)
	}
}

func TestTooManyLayersFetchesNoBlob(t *testing.T) {
	reg := newTestRegistry(t, nil)
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "1", "2", "3", "4", "5")
	c := newTestClient(t, WithMaxLayers(4))
	before := reg.total.Load()
	_, err := resolveAndRead(testContext(t), c, reg)
	if !errors.Is(err, ErrTooManyLayers) || IsUndecided(err) {
		t.Fatalf("err = %v, want ErrTooManyLayers", err)
	}
	if !strings.Contains(err.Error(), "at most 4 layers") || !strings.Contains(err.Error(), "got 5") {
		t.Errorf("message %q lacks expected vs got", err)
	}
	if got := reg.total.Load() - before; got != 3 { // ping, manifest, .sig manifest
		t.Errorf("%d requests, want 3: no blob may be fetched", got)
	}
}

func TestFirstFailingLayerIsReported(t *testing.T) {
	payloads := []string{"1", "2", "3", "4", "5", "6"}
	bad := map[string]bool{ // layers 3 and 5 are tampered with
		"/v2/ns/app/blobs/" + digest.FromString("3").String(): true,
		"/v2/ns/app/blobs/" + digest.FromString("5").String(): true,
	}
	reg := newTestRegistry(t, intercept(func(r *http.Request) bool { return bad[r.URL.Path] }, body("", "tampered")))
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, payloads...)
	for range 5 {
		c := newTestClient(t, WithConcurrency(4))
		_, err := resolveAndRead(testContext(t), c, reg)
		if !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "3/6") {
			t.Fatalf("err = %v, want the digest mismatch of layer 3/6", err)
		}
	}
}

// nilTB lets helpers parse references outside a test's goroutine; parsing
// a registry's own host cannot fail.
type nilTB struct{ testing.TB }

func (nilTB) Helper()           {}
func (nilTB) Fatal(args ...any) { panic(args) }

// ownRealm serves a token endpoint at /token on the registry's own host
// (a realm every client asks) answering with answer, counting its calls,
// and demands "Bearer t0ken" everywhere else once on is set.
func ownRealm(on *atomic.Bool, calls *atomic.Int32, answer func(w http.ResponseWriter)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/token" {
				calls.Add(1)
				answer(w)
				return
			}
			realmAt(on, "http://"+r.Host+"/token")(next).ServeHTTP(w, r)
		})
	}
}

// TestDeterministicRefusals: answers that repeating cannot change are
// hostile answers (a denial, not "undecided"), are not retried and are not
// echoed.
func TestDeterministicRefusals(t *testing.T) {
	const marker = "SECRET-BODY"
	var on atomic.Bool
	for _, tc := range []struct {
		desc  string
		token func(w http.ResponseWriter) // the token endpoint's answer; nil: no bearer auth
		wrap  func(http.Handler) http.Handler
		kind  error
	}{
		{desc: "redirect to file://", kind: ErrRedirect,
			wrap: intercept(isTagManifest, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
			})},
		{desc: "redirect to ftp://", kind: ErrRedirect,
			wrap: intercept(isSigManifest, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "ftp://127.0.0.1/x", http.StatusFound)
			})},
		{desc: "a header that is not HTTP", kind: ErrMalformed,
			wrap: overrideHeader(isTagManifest, "Docker-Content-Digest", "sha256:\x1b[2K")},
		{desc: "token endpoint answering HTML", kind: ErrMalformed,
			token: func(w http.ResponseWriter) { fmt.Fprint(w, "<html>"+marker+"</html>") }},
		{desc: "token endpoint answering a number for the token", kind: ErrMalformed,
			token: func(w http.ResponseWriter) { fmt.Fprint(w, `{"token":42,"x":"`+marker+`"}`) }},
		{desc: "token realm over plain HTTP on a public host", kind: ErrInsecure,
			wrap: func(next http.Handler) http.Handler { return realmAt(&on, "http://registry.example.com/token")(next) }},
		{desc: "token realm on file://", kind: ErrMalformed,
			wrap: func(next http.Handler) http.Handler { return realmAt(&on, "file:///etc/passwd")(next) }},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			on.Store(false)
			wrap := tc.wrap
			var tokenCalls atomic.Int32
			if tc.token != nil {
				wrap = ownRealm(&on, &tokenCalls, tc.token)
			}
			reg := newTestRegistry(t, wrap)
			d := reg.pushImage(t, "ns/app:v1")
			reg.pushSignatures(t, "ns/app", d, "one")
			on.Store(true)
			defer on.Store(false)
			c := newTestClient(t, WithRetries(3))
			before := reg.total.Load()
			_, err := resolveAndRead(testContext(t), c, reg)
			if !errors.Is(err, tc.kind) || IsUndecided(err) {
				t.Fatalf("err = %v, want %v, not undecided", err, tc.kind)
			}
			if strings.Contains(err.Error(), marker) {
				t.Errorf("the answer's body is echoed: %v", err)
			}
			if n := tokenCalls.Load(); n > 1 {
				t.Errorf("token endpoint asked %d times, want at most once", n)
			}
			if n := reg.total.Load() - before; n > 4 { // ping, manifest, .sig manifest, one refused request
				t.Errorf("%d requests to the registry: the refusal was retried", n)
			}
		})
	}
}

// TestSchema1IsRefused pins a documented difference (docs/divergences.md):
// the library accepts Docker schema 1 manifests; sigpolicy neither asks
// for them nor accepts one.
func TestSchema1IsRefused(t *testing.T) {
	schema1 := `{"schemaVersion":1,"name":"ns/app","tag":"v1","architecture":"amd64","fsLayers":[],"history":[]}`
	reg := newTestRegistry(t, intercept(isTagManifest, body("application/vnd.docker.distribution.manifest.v1+prettyjws", schema1)))
	reg.pushImage(t, "ns/app:v1")
	_, err := newTestClient(t).Resolve(testContext(t), reg.ref(t, "ns/app:v1"))
	if !errors.Is(err, ErrMediaType) || IsUndecided(err) {
		t.Fatalf("err = %v, want ErrMediaType (a denial)", err)
	}
}
