package fetch

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// wire is the innermost RoundTripper: it refuses plain HTTP to hosts that
// may not use it, picks the shared transport for the host and records each
// exchange into the request context's Trace. go-containerregistry's auth
// transports sit on top of it, so pings, token requests and redirects pass
// through it too.
type wire struct {
	hosts    hostRules
	verified http.RoundTripper // TLS verified; shared by every endpoint
	skipTLS  http.RoundTripper // TLS unverified, for insecure hosts; shared
}

func newWire(hosts hostRules, custom http.RoundTripper) *wire {
	if custom != nil {
		return &wire{hosts: hosts, verified: custom, skipTLS: custom}
	}
	verified := http.DefaultTransport.(*http.Transport).Clone()
	verified.MaxIdleConnsPerHost = 32
	skipTLS := verified.Clone()
	skipTLS.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only for hosts the user named insecure, as the library does
	return &wire{hosts: hosts, verified: verified, skipTLS: skipTLS}
}

// endpointWire is the wire as one endpoint sees it: registries.conf may mark
// that endpoint's host insecure without naming it on the command line.
type endpointWire struct {
	*wire
	insecureHost string // "" unless the endpoint is `insecure = true`
}

func (e endpointWire) RoundTrip(req *http.Request) (*http.Response, error) {
	return e.roundTrip(req, req.URL.Host == e.insecureHost || e.hosts.insecure(req.URL.Host))
}

func (w *wire) roundTrip(req *http.Request, insecure bool) (*http.Response, error) {
	t := traceFrom(req.Context())
	var i int
	if t != nil {
		i = t.start(Request{Method: req.Method, URL: safetext.String(req.URL.Redacted()), Attempt: attemptFrom(req.Context())})
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		// A redirect (or a token realm) to file:, ftp: and the like: a
		// deterministic refusal, never retried.
		err := &Error{Kind: ErrMalformed, Op: "refusing " + req.Method, URL: req.URL.Redacted(), Expected: "an http or https URL", Got: req.URL.Scheme + ":"}
		if req.Response != nil {
			err.Kind, err.Op = ErrRedirect, "following redirect"
		}
		if t != nil {
			t.finish(i, func(r *Request) { r.Err = err.Error() })
		}
		return nil, err
	}
	if req.URL.Scheme == "http" && !insecure && !isLoopback(req.URL.Host) {
		err := &Error{Kind: ErrInsecure, Op: "refusing " + req.Method, URL: req.URL.Redacted(),
			Expected: "https or a loopback/insecure host", Got: "http://" + req.URL.Host}
		if t != nil {
			t.finish(i, func(r *Request) { r.Err = err.Error() })
		}
		return nil, err
	}
	rt := w.verified
	if insecure {
		rt = w.skipTLS
	}
	if t == nil {
		return rt.RoundTrip(req)
	}
	start := time.Now()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.finish(i, func(r *Request) { r.Err = safetext.String(err.Error()); r.Duration = time.Since(start) })
		return nil, err
	}
	t.finish(i, func(r *Request) { r.Status = resp.StatusCode; r.Duration = time.Since(start) })
	resp.Body = &countingBody{ReadCloser: resp.Body, trace: t, index: i, start: start}
	return resp, nil
}

// countingBody completes a trace entry with the bytes read and the time the body was closed.
type countingBody struct {
	io.ReadCloser
	trace *Trace
	index int
	start time.Time
	n     int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error {
	b.trace.finish(b.index, func(r *Request) { r.Bytes = b.n; r.Duration = time.Since(b.start) })
	return b.ReadCloser.Close()
}

// hostRules holds the hosts allowed plain HTTP (and unverified TLS).
type hostRules struct {
	exact   map[string]bool // host:port
	anyPort map[string]bool // host without port
}

func newHostRules(hosts []string) hostRules {
	r := hostRules{exact: map[string]bool{}, anyPort: map[string]bool{}}
	for _, h := range hosts {
		if _, _, err := net.SplitHostPort(h); err == nil {
			r.exact[h] = true
		} else {
			r.anyPort[h] = true
		}
	}
	return r
}

func (r hostRules) insecure(hostport string) bool {
	if r.exact[hostport] {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return r.anyPort[host]
}

// isLoopback reports whether hostport names localhost, 127.0.0.0/8 or ::1.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
