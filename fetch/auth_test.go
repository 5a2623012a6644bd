package fetch

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// basicAuth demands user:pass on every request once on is set.
func basicAuth(on *atomic.Bool, user, pass string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); on.Load() && (!ok || u != user || p != pass) {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// bearerAuth runs a token endpoint at /token that trades user:pass for a
// token, and demands that token everywhere else once on is set.
func bearerAuth(on *atomic.Bool, user, pass string) func(http.Handler) http.Handler {
	const token = "t0ken"
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/token" {
				if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				fmt.Fprintf(w, `{"token":%q}`, token)
				return
			}
			if on.Load() && r.Header.Get("Authorization") != "Bearer "+token {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="http://%s/token",service="test"`, r.Host))
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func writeAuthFile(t *testing.T, key, user, pass string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.json")
	auth := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	if err := os.WriteFile(path, []byte(fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, key, auth)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAuth(t *testing.T) {
	for _, scheme := range []struct {
		name string
		wrap func(on *atomic.Bool, user, pass string) func(http.Handler) http.Handler
	}{{"basic", basicAuth}, {"bearer", bearerAuth}} {
		t.Run(scheme.name, func(t *testing.T) {
			var on atomic.Bool
			locked := newTestRegistry(t, scheme.wrap(&on, "alice", "secret"))
			d := locked.pushImage(t, "ns/app:v1")
			locked.pushSignatures(t, "ns/app", d, "signed")
			on.Store(true)
			for _, tc := range []struct {
				desc string
				// options returns the client's options and the auth file
				// that holds the credentials.
				options func(t *testing.T) ([]Option, string)
				wantErr error
				// wantNote is what a refusal says of the credentials, %s
				// standing for the auth file.
				wantNote string
			}{
				{"credentials for the host", func(t *testing.T) ([]Option, string) {
					file := writeAuthFile(t, locked.host, "alice", "secret")
					return []Option{WithAuthFile(file)}, file
				}, nil, ""},
				{"credentials for the namespace", func(t *testing.T) ([]Option, string) {
					file := writeAuthFile(t, locked.host+"/ns", "alice", "secret")
					return []Option{WithAuthFile(file)}, file
				}, nil, ""},
				{"credentials from REGISTRY_AUTH_FILE", func(t *testing.T) ([]Option, string) {
					file := writeAuthFile(t, locked.host, "alice", "secret")
					t.Setenv("REGISTRY_AUTH_FILE", file)
					return nil, file
				}, nil, ""},
				{"wrong password", func(t *testing.T) ([]Option, string) {
					file := writeAuthFile(t, locked.host, "alice", "guess")
					return []Option{WithAuthFile(file)}, file
				}, ErrAuth, "(credentials: those for " + locked.host + "/ns/app in %s)"},
				{"credentials for another namespace", func(t *testing.T) ([]Option, string) {
					file := writeAuthFile(t, locked.host+"/other", "alice", "secret")
					return []Option{WithAuthFile(file)}, file
				}, ErrAuth, "(credentials: none found for " + locked.host + "/ns/app in %s)"},
				{"wrong password in the default search", func(t *testing.T) ([]Option, string) {
					home := t.TempDir()
					t.Setenv("HOME", home)
					t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
					t.Setenv("XDG_CONFIG_HOME", "")
					t.Setenv("REGISTRY_AUTH_FILE", "")
					docker := filepath.Join(home, "docker")
					t.Setenv("DOCKER_CONFIG", docker)
					file := writeAuthFile(t, locked.host, "alice", "guess")
					if err := os.Mkdir(docker, 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.Rename(file, filepath.Join(docker, "config.json")); err != nil {
						t.Fatal(err)
					}
					return nil, filepath.Join(docker, "config.json")
				}, ErrAuth, "(credentials: those for " + locked.host + "/ns/app in %s)"},
			} {
				t.Run(tc.desc, func(t *testing.T) {
					opts, file := tc.options(t)
					c := newTestClient(t, opts...)
					sigs, err := resolveAndRead(testContext(t), c, locked)
					if tc.wantErr != nil {
						if !errors.Is(err, tc.wantErr) || !IsUndecided(err) {
							t.Fatalf("err = %v, want %v (undecided)", err, tc.wantErr)
						}
						if note := fmt.Sprintf(tc.wantNote, file); !strings.Contains(err.Error(), note) {
							t.Fatalf("err = %v, want it to say %q", err, note)
						}
						return
					}
					if err != nil || len(sigs) != 1 || string(sigs[0].Payload) != "signed" {
						t.Fatalf("got %v, %v", sigs, err)
					}
				})
			}
		})
	}
}

func TestAuthFileErrors(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ desc, path string }{
		{"missing file", filepath.Join(dir, "none.json")},
		{"not JSON", broken},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := New(WithAuthFile(tc.path)); err == nil || !strings.Contains(err.Error(), "auth file") {
				t.Fatalf("New = %v, want an auth file error", err)
			}
		})
	}
}

// TestCredentialsOnlyForAChallenge: credentials are looked up when the
// registry's ping asks for basic or bearer authentication, never otherwise.
// With a credential store that cannot be read ($DOCKER_CONFIG/config.json
// not JSON), a registry that asks for nothing is read, and one that asks
// fails on the store (the library reads the store before its ping, so it
// fails both: docs/divergences.md).
func TestCredentialsOnlyForAChallenge(t *testing.T) {
	for _, env := range []string{"HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"} {
		t.Setenv(env, t.TempDir())
	}
	t.Setenv("REGISTRY_AUTH_FILE", "")
	store := t.TempDir()
	if err := os.WriteFile(filepath.Join(store, "config.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", store)

	open := newTestRegistry(t, nil)
	d := open.pushImage(t, "ns/app:v1")
	open.pushSignatures(t, "ns/app", d, "signed")
	if sigs, err := resolveAndRead(testContext(t), newTestClient(t), open); err != nil || len(sigs) != 1 {
		t.Fatalf("registry without authentication: %d signatures, %v", len(sigs), err)
	}

	var on atomic.Bool
	locked := newTestRegistry(t, basicAuth(&on, "alice", "secret"))
	d = locked.pushImage(t, "ns/app:v1")
	locked.pushSignatures(t, "ns/app", d, "signed")
	on.Store(true)
	_, err := resolveAndRead(testContext(t), newTestClient(t), locked)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "reading credentials") {
		t.Fatalf("registry asking for credentials: %v, want the credential store's error", err)
	}
}

// tokenServer is a token endpoint on its own loopback port: a realm on a
// loopback address other than the registry's host:port, which
// go-containerregistry's transport refuses and the library asks. It counts
// its requests and records the credentials it was sent.
type tokenServer struct {
	host  string
	calls atomic.Int32
	user  atomic.Value // string
}

func newTokenServer(t *testing.T, answer func(w http.ResponseWriter)) *tokenServer {
	t.Helper()
	ts := &tokenServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.calls.Add(1)
		if u, _, ok := r.BasicAuth(); ok {
			ts.user.Store(u)
		}
		answer(w)
	}))
	t.Cleanup(srv.Close)
	ts.host = strings.TrimPrefix(srv.URL, "http://")
	return ts
}

// realmAt demands "Bearer t0ken" once on is set, naming realm in its challenge.
func realmAt(on *atomic.Bool, realm string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if on.Load() && r.Header.Get("Authorization") != "Bearer t0ken" {
				w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm=%q,service="test"`, realm))
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// TestTokenRealmOnAnotherLoopbackPort: the library fetches the token from
// any realm the registry names; so does sigpolicy, sending the registry's
// credentials there as the library does.
func TestTokenRealmOnAnotherLoopbackPort(t *testing.T) {
	ts := newTokenServer(t, func(w http.ResponseWriter) { fmt.Fprint(w, `{"token":"t0ken"}`) })
	var on atomic.Bool
	reg := newTestRegistry(t, realmAt(&on, "http://"+ts.host+"/token"))
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "signed")
	on.Store(true)
	for _, tc := range []struct {
		desc string
		opts []Option
		user string
	}{
		{"anonymous", nil, ""},
		{"with credentials", []Option{WithAuthFile(writeAuthFile(t, reg.host, "alice", "secret"))}, "alice"},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			ts.user.Store("")
			sigs, err := resolveAndRead(testContext(t), newTestClient(t, tc.opts...), reg)
			if err != nil || len(sigs) != 1 {
				t.Fatalf("got %d signatures, %v; want the image read with the realm's token", len(sigs), err)
			}
			if got := ts.user.Load(); got != tc.user {
				t.Errorf("token request carried user %q, want %q", got, tc.user)
			}
		})
	}
}

// TestBearerTokenLifetime: a token is reused until it expires (issued_at +
// expires_in, at least 60s, as in the library), then fetched again.
func TestBearerTokenLifetime(t *testing.T) {
	for _, tc := range []struct {
		desc       string
		answer     string
		wantTokens int32
	}{
		{"valid for a minute", `{"token":"t0ken","expires_in":10}`, 1},
		{"issued two minutes ago", `{"access_token":"t0ken","expires_in":60,"issued_at":"` + time.Now().Add(-2*time.Minute).UTC().Format(time.RFC3339) + `"}`, 3},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var on atomic.Bool
			var calls atomic.Int32
			reg := newTestRegistry(t, ownRealm(&on, &calls, func(w http.ResponseWriter) { fmt.Fprint(w, tc.answer) }))
			reg.pushImage(t, "ns/app:v1")
			on.Store(true)
			c := newTestClient(t)
			for range 2 {
				if _, err := c.Resolve(testContext(t), reg.ref(t, "ns/app:v1")); err != nil {
					t.Fatal(err)
				}
			}
			// Connecting fetches the first token; each of the two manifest
			// requests needs one more only when it has expired.
			if got := calls.Load(); got != tc.wantTokens {
				t.Errorf("%d token requests, want %d", got, tc.wantTokens)
			}
		})
	}
}

// TestRefusalAfterAnOpenPing: a registry whose ping asks for no
// credentials but which refuses the manifest is told apart from refused
// credentials.
func TestRefusalAfterAnOpenPing(t *testing.T) {
	var on atomic.Bool
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if on.Load() && r.URL.Path != "/v2/" {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	reg.pushImage(t, "ns/app:v1")
	on.Store(true)
	_, err := resolveAndRead(testContext(t), newTestClient(t), reg)
	if want := "(credentials: none sent: the registry's ping asked for none)"; !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want ErrAuth saying %q", err, want)
	}
}

// TestRefusalAtARedirectTarget: a 403 from the host a blob request was
// redirected to (an expired signed URL on a CDN) is not blamed on the
// registry's credentials, which were accepted and never sent there.
func TestRefusalAtARedirectTarget(t *testing.T) {
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusForbidden)
	}))
	defer cdn.Close()
	var on, redirect atomic.Bool
	reg := newTestRegistry(t, func(next http.Handler) http.Handler {
		auth := basicAuth(&on, "alice", "secret")(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if redirect.Load() && strings.Contains(r.URL.Path, "/blobs/") {
				http.Redirect(w, r, cdn.URL+"/signed", http.StatusTemporaryRedirect)
				return
			}
			auth.ServeHTTP(w, r)
		})
	})
	d := reg.pushImage(t, "ns/app:v1")
	reg.pushSignatures(t, "ns/app", d, "signed")
	on.Store(true)
	redirect.Store(true)
	c := newTestClient(t, WithAuthFile(writeAuthFile(t, reg.host, "alice", "secret")))
	_, err := resolveAndRead(testContext(t), c, reg)
	want := "(credentials: none sent to " + strings.TrimPrefix(cdn.URL, "http://") + ", where the registry redirected the request)"
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want ErrAuth saying %q", err, want)
	}
}

// TestTokenRealmNotFoundIsNoAnswer: a realm that answers 404 or
// MANIFEST_UNKNOWN, here once the first token has expired, has not said
// "no signatures": reading them fails, as do proofs of their digest.
func TestTokenRealmNotFoundIsNoAnswer(t *testing.T) {
	for _, tc := range []struct {
		desc   string
		status int
	}{
		{"404", http.StatusNotFound},
		{"400 with MANIFEST_UNKNOWN", http.StatusBadRequest},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var on, broken atomic.Bool
			var calls atomic.Int32
			reg := newTestRegistry(t, ownRealm(&on, &calls, func(w http.ResponseWriter) {
				if broken.Load() {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
					return
				}
				fmt.Fprint(w, `{"token":"t0ken","issued_at":"2000-01-01T00:00:00Z"}`) // expired at once
			}))
			d := reg.pushImage(t, "ns/app:v1")
			reg.pushSignatures(t, "ns/app", d, "signed")
			on.Store(true)
			c := newTestClient(t)
			ctx := testContext(t)
			img, err := c.Resolve(ctx, reg.ref(t, "ns/app:v1"))
			if err != nil {
				t.Fatal(err)
			}
			broken.Store(true)
			sigs, err := c.Signatures(ctx, img)
			if !errors.Is(err, ErrUnexpectedStatus) || errors.Is(err, ErrNotFound) {
				t.Errorf("Signatures = %v, %v; want ErrUnexpectedStatus", sigs, err)
			}
			got, err := c.AttachmentDigest(ctx, img)
			if !errors.Is(err, ErrUnexpectedStatus) || errors.Is(err, ErrNotFound) {
				t.Errorf("AttachmentDigest = %q, %v; want ErrUnexpectedStatus", got, err)
			}
		})
	}
}

// TestCredentialsFromAHelper: credentials from a credential helper named in
// registries.conf are reported as the helper's, not as those of an auth
// file (one that holds none for the registry, or one that does not
// exist), and explaining a refusal does not run the helper once per file.
func TestCredentialsFromAHelper(t *testing.T) {
	var on atomic.Bool
	locked := newTestRegistry(t, basicAuth(&on, "alice", "secret"))
	locked.pushImage(t, "ns/app:v1")
	on.Store(true)

	bin := t.TempDir()
	runs := filepath.Join(bin, "runs")
	helper := "#!/bin/sh\necho run >> " + runs + "\nread url\n" +
		`printf '{"ServerURL":"%s","Username":"alice","Secret":"guess"}' "$url"` + "\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-fake"), []byte(helper), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	confPath := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(confPath, []byte(`credential-helpers = ["fake"]`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf, err := node.LoadRegistriesConf(confPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc string
		opts func(t *testing.T) []Option
	}{
		{"an auth file without credentials for the registry", func(t *testing.T) []Option {
			return []Option{WithAuthFile(writeAuthFile(t, "other.example.com", "bob", "x"))}
		}},
		{"no auth file", func(t *testing.T) []Option {
			for _, env := range []string{"HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG"} {
				t.Setenv(env, t.TempDir())
			}
			t.Setenv("REGISTRY_AUTH_FILE", "")
			return nil
		}},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			os.Remove(runs)
			c := newTestClient(t, append(tc.opts(t), WithRegistriesConf(conf))...)
			_, err := c.Resolve(testContext(t), locked.ref(t, "ns/app:v1"))
			want := "(credentials: those for " + locked.host + "/ns/app from a credential helper named in registries.conf)"
			if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to say %q", err, want)
			}
			out, _ := os.ReadFile(runs)
			if n := strings.Count(string(out), "run"); n != 2 { // connecting, then explaining the refusal
				t.Errorf("the helper ran %d times, want 2", n)
			}
		})
	}
}

// TestTokenWaitHonoursContext: while one caller's token request stalls,
// another caller waiting for the token gives up at its own deadline.
func TestTokenWaitHonoursContext(t *testing.T) {
	var on, stalling atomic.Bool
	var calls atomic.Int32
	stalled, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	reg := newTestRegistry(t, ownRealm(&on, &calls, func(w http.ResponseWriter) {
		if stalling.Load() {
			stalled <- struct{}{}
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		fmt.Fprint(w, `{"token":"t0ken","issued_at":"2000-01-01T00:00:00Z"}`) // expired at once
	}))
	reg.pushImage(t, "ns/app:v1")
	on.Store(true)
	c := newTestClient(t, WithRetries(0), WithRequestTimeout(5*time.Second))
	img, err := c.Resolve(testContext(t), reg.ref(t, "ns/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	stalling.Store(true)
	go func() { _, _ = c.AttachmentDigest(testContext(t), img) }()
	<-stalled
	ctx, cancel := context.WithTimeout(testContext(t), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.AttachmentDigest(ctx, img)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("the waiter returned after %v, past its deadline of 200ms", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable for the deadline", err)
	}
}
