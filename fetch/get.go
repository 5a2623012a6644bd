package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// response is a successful GET whose body was read in full within its limit.
type response struct {
	mediaType    string // Content-Type without parameters
	digestHeader string // Docker-Content-Digest, if any
	body         []byte
}

// get fetches ep's base URL + path, retrying transient failures.
func (c *Client) get(ctx context.Context, ep *endpoint, op, path string, accept string, limit int64) (*response, error) {
	url := ep.base + path
	var res *response
	err := c.withRetries(ctx, func(ctx context.Context) error {
		r, err := c.getOnce(ctx, ep, op, url, accept, limit)
		res = r
		return err
	})
	return res, err
}

func (c *Client) getOnce(ctx context.Context, ep *endpoint, op, url, accept string, limit int64) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: op, URL: url, Err: err}
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := ep.client.Do(req)
	if err != nil {
		return nil, c.noteCredentials(ep.key, ep.challenged, requestError(ctx, op, url, err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.refused(ep, op, url, resp)
	}
	if resp.ContentLength > limit {
		return nil, &Error{Kind: ErrTooLarge, Op: op, URL: url,
			Expected: fmt.Sprintf("at most %d bytes", limit), Got: fmt.Sprintf("Content-Length %d", resp.ContentLength)}
	}
	body, err := readBody(resp, limit)
	if err != nil {
		return nil, bodyError(ctx, op, url, err)
	}
	if int64(len(body)) > limit {
		return nil, &Error{Kind: ErrTooLarge, Op: op, URL: url,
			Expected: fmt.Sprintf("at most %d bytes", limit), Got: "more"}
	}
	return &response{
		mediaType:    simplifyContentType(resp.Header.Get("Content-Type")),
		digestHeader: resp.Header.Get("Docker-Content-Digest"),
		body:         body,
	}, nil
}

// maxBodyPrealloc caps the buffer an announced length reserves before any
// byte arrives: a header alone must not cost the whole limit.
const maxBodyPrealloc = 64 << 10

// readBody reads at most limit+1 bytes of resp's body, into a buffer of
// the announced length when there is one (no regrowing on the common path)
// up to maxBodyPrealloc, grown as bytes arrive beyond that.
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	n := resp.ContentLength
	if n < 0 || n > limit {
		return io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	r := io.LimitReader(resp.Body, limit+1)
	// One byte more than announced shows a body that is longer.
	buf := make([]byte, 0, min(n, maxBodyPrealloc)+1)
	for {
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// requestError classifies a failure to get any response.
func requestError(ctx context.Context, op, url string, err error) error {
	if r, ok := errors.AsType[*retryable](err); ok { // a token request that may succeed later
		own := *r.err
		own.Op = op + ": " + own.Op
		return &retryable{err: &own, after: r.after}
	}
	if e, ok := errors.AsType[*Error](err); ok { // refused by our own rules (plain HTTP, redirects, token answers)
		own := *e
		own.Op = op + ": " + e.Op
		return &own
	}
	if ctx.Err() != nil {
		return &retryable{err: &Error{Kind: ErrUnavailable, Op: op, URL: url, Err: fmt.Errorf("request timed out: %w", ctx.Err())}}
	}
	if te, ok := errors.AsType[*transport.Error](err); ok { // a ping's error status (transport.Ping)
		return classifyStatus(op, url, te.StatusCode, te, 0)
	}
	if _, ok := errors.AsType[textproto.ProtocolError](err); ok {
		// A response that is not HTTP (a malformed header line): the same
		// bytes will come again.
		return &Error{Kind: ErrMalformed, Op: op, URL: url, Err: err}
	}
	return &retryable{err: &Error{Kind: ErrUnavailable, Op: op, URL: url, Err: err}}
}

// bodyError classifies a failure while reading a 200 body.
func bodyError(ctx context.Context, op, url string, err error) error {
	if ctx.Err() != nil {
		return &retryable{err: &Error{Kind: ErrUnavailable, Op: op, URL: url, Err: fmt.Errorf("reading body timed out: %w", ctx.Err())}}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Kind: ErrTruncated, Op: op, URL: url, Err: err}
	}
	return &retryable{err: &Error{Kind: ErrUnavailable, Op: op, URL: url, Err: err}}
}

// statusError classifies a non-200 answer, reading its error body within
// go-containerregistry's limit.
func statusError(op, url string, resp *http.Response) error {
	cause := transport.CheckError(resp)
	return classifyStatus(op, url, resp.StatusCode, cause, parseRetryAfter(resp.Header.Get("Retry-After")))
}

func classifyStatus(op, url string, status int, cause error, retryAfter time.Duration) error {
	got := fmt.Sprintf("HTTP %d", status)
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &Error{Kind: ErrAuth, Op: op, URL: url, Got: got, Expected: "HTTP 200", Err: cause}
	case status == http.StatusTooManyRequests || status >= 500:
		return &retryable{err: &Error{Kind: ErrUnavailable, Op: op, URL: url, Got: got, Expected: "HTTP 200", Err: cause}, after: retryAfter}
	case status == http.StatusNotFound || isManifestUnknown(cause):
		return &Error{Kind: ErrNotFound, Op: op, URL: url, Got: got, Expected: "HTTP 200", Err: cause}
	default:
		return &Error{Kind: ErrUnexpectedStatus, Op: op, URL: url, Got: got, Expected: "HTTP 200", Err: cause}
	}
}

// isManifestUnknown mirrors the library's isManifestUnknownError for answers
// that are not 404: MANIFEST_UNKNOWN, or UNKNOWN with a "not found" message
// (registry.redhat.io, Harbor).
func isManifestUnknown(err error) bool {
	te, ok := errors.AsType[*transport.Error](err)
	if !ok {
		return false
	}
	for _, d := range te.Errors {
		if d.Code == transport.ManifestUnknownErrorCode {
			return true
		}
		if d.Code == transport.UnknownErrorCode && strings.Contains(strings.ToLower(d.Message), "not found") {
			return true
		}
	}
	return false
}

// simplifyContentType drops parameters, as the library does; invalid values become "".
func simplifyContentType(contentType string) string {
	if contentType == "" {
		return ""
	}
	if plainMediaType(contentType) { // what mime.ParseMediaType would return, without its allocations
		return contentType
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

// checkRedirect follows at most max redirects and refuses to revisit a URL.
func checkRedirect(max int) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		next := req.URL.String()
		for _, prev := range via {
			if prev.URL.String() == next {
				return &Error{Kind: ErrRedirect, Op: "following redirect", URL: via[0].URL.Redacted(),
					Expected: "a new location", Got: "a loop back to " + req.URL.Redacted()}
			}
		}
		if len(via) > max {
			return &Error{Kind: ErrRedirect, Op: "following redirect", URL: via[0].URL.Redacted(),
				Expected: fmt.Sprintf("at most %d redirects", max), Got: fmt.Sprintf("%d", len(via))}
		}
		return nil
	}
}

// plainMediaType reports whether s is a lower-case type/subtype without
// parameters: its own simplified form.
func plainMediaType(s string) bool {
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || slash == len(s)-1 || strings.IndexByte(s[slash+1:], '/') >= 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '.' || c == '+' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
