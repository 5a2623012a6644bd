package fetch

import (
	"errors"
	"mime"
	"net/http"
	"net/url"
	"testing"
)

func TestPlainHTTPRule(t *testing.T) {
	rules := newHostRules([]string{"insecure.example.com", "pinned.example.com:5000"})
	for _, tc := range []struct {
		host    string
		allowed bool
	}{
		{"localhost", true},
		{"localhost:5000", true},
		{"127.0.0.1:5000", true},
		{"127.1.2.3", true},
		{"[::1]:5000", true},
		{"insecure.example.com", true},
		{"insecure.example.com:443", true},
		{"pinned.example.com:5000", true},
		{"pinned.example.com:5001", false},
		{"pinned.example.com", false},
		{"10.0.0.1:5000", false}, // private is not loopback
		{"192.168.1.1", false},
		{"localhost.example.com", false},
		{"registry.example.com", false},
	} {
		t.Run(tc.host, func(t *testing.T) {
			if got := isLoopback(tc.host) || rules.insecure(tc.host); got != tc.allowed {
				t.Errorf("plain HTTP to %s allowed = %v, want %v", tc.host, got, tc.allowed)
			}
		})
	}
}

// plainOnly routes every http:// request to a loopback server and fails
// every https:// one, like a registry that only speaks plain HTTP.
type plainOnly struct{ target *url.URL }

func (p plainOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, errors.New("tls: this server only speaks plain HTTP")
	}
	out := req.Clone(req.Context())
	out.URL.Host = p.target.Host
	return http.DefaultTransport.RoundTrip(out)
}

func TestInsecureRegistryOption(t *testing.T) {
	reg := newTestRegistry(t, nil)
	reg.pushImage(t, "ns/app:v1")
	target, err := url.Parse(reg.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.ref(t, "ns/app:v1")
	remoteRef, err := replaceHost(ref, "plain.example.com:5000")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		desc    string
		opts    []Option
		wantErr error
	}{
		{"not named: HTTPS only, which fails", nil, ErrUnavailable},
		{"named by host", []Option{WithInsecureRegistries("plain.example.com")}, nil},
		{"named by host:port", []Option{WithInsecureRegistries("plain.example.com:5000")}, nil},
		{"another port named", []Option{WithInsecureRegistries("plain.example.com:6000")}, ErrUnavailable},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			c := newTestClient(t, append(tc.opts, WithTransport(plainOnly{target}), WithRetries(0))...)
			img, err := c.Resolve(testContext(t), remoteRef)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if img.Physical.String() != "plain.example.com:5000/ns/app:v1" {
				t.Errorf("Physical = %s", img.Physical)
			}
		})
	}
}

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		desc string
		opt  Option
	}{
		{"platform without arch", WithPlatform("linux")},
		{"platform with empty variant", WithPlatform("linux/arm64/")},
		{"platform with four parts", WithPlatform("linux/arm/v7/x")},
		{"zero request timeout", WithRequestTimeout(0)},
		{"negative retries", WithRetries(-1)},
		{"absurd retries", WithRetries(100)},
		{"zero blob size", WithMaxBlobSize(0)},
		{"zero layers", WithMaxLayers(0)},
		{"negative redirects", WithMaxRedirects(-1)},
		{"zero concurrency", WithConcurrency(0)},
		{"negative cache", WithCacheBytes(-1)},
		{"insecure registry with a path", WithInsecureRegistries("example.com/ns")},
		{"empty insecure registry", WithInsecureRegistries("")},
		{"nil transport", WithTransport(nil)},
		{"empty auth file", WithAuthFile("")},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			if _, err := New(tc.opt); err == nil {
				t.Fatal("New accepted an invalid option")
			}
		})
	}
}

// TestSimplifyContentType: the fast path for plain media types gives what
// mime.ParseMediaType gives, as the library uses it.
func TestSimplifyContentType(t *testing.T) {
	for _, in := range []string{"", "application/vnd.oci.image.manifest.v1+json", "application/json; charset=utf-8",
		"Application/JSON", "text/plain;", "no-slash", "a/b/c", "/x", "x/", "a/b c", "a/é"} {
		want := ""
		if mt, _, err := mime.ParseMediaType(in); err == nil {
			want = mt
		}
		if got := simplifyContentType(in); got != want {
			t.Errorf("simplifyContentType(%q) = %q, want %q", in, got, want)
		}
	}
}
