package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.podman.io/image/v5/types"
)

// The registry handshake after the ping is the library's
// (docker/docker_client.go setupRequestAuth, getBearerToken,
// getBearerTokenOAuth2), not go-containerregistry's: the library asks any
// token realm the registry names, where go-containerregistry refuses realms
// on loopback and private addresses other than the registry's own
// host:port, so a registry CRI-O pulls from would be undecided here. The
// plain-HTTP rule of the wire applies to token requests as to every other.

const (
	// maxTokenBodySize is the library's iolimits.MaxAuthTokenBodySize.
	maxTokenBodySize = 1 << 20
	// minTokenLifetime is the library's minimumTokenLifetimeSeconds.
	minTokenLifetime = 60 * time.Second
)

// needsCredentials reports whether authorizer uses credentials for a
// challenge scheme: the library sends them only for these two and tries
// any other scheme (or none) unauthenticated.
func needsCredentials(scheme string) bool {
	s := strings.ToLower(scheme)
	return s == "basic" || s == "bearer"
}

// authorizer returns the RoundTripper that authenticates requests to
// registry (host[:port]) as the ping's challenge asks; credentials are only
// ever attached to requests for registry itself, and, for bearer auth, to
// the token request the registry's challenge names.
func authorizer(inner http.RoundTripper, registry, scope string, creds types.DockerAuthConfig, scheme string, params map[string]string, maxRedirects int) (http.RoundTripper, error) {
	switch strings.ToLower(scheme) {
	case "basic":
		return basicTransport{inner: inner, registry: registry, creds: creds}, nil
	case "bearer":
		realm, ok := params["realm"]
		if !ok {
			return nil, &Error{Kind: ErrMalformed, Op: "reading the bearer challenge of " + registry, Expected: "a realm", Got: "none"}
		}
		u, err := url.Parse(realm)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, &Error{Kind: ErrMalformed, Op: "reading the bearer challenge of " + registry, Expected: "an http(s) token realm", Got: fmt.Sprintf("%q", realm)}
		}
		return &bearerTransport{inner: inner, registry: registry, realm: u, service: params["service"], scope: scope, creds: creds,
			client: &http.Client{Transport: inner, CheckRedirect: checkRedirect(maxRedirects)}, lock: make(chan struct{}, 1)}, nil
	default: // none, or a scheme the library has no handler for: unauthenticated, as the library tries
		return inner, nil
	}
}

// basicTransport sends the credentials with every request to the registry.
type basicTransport struct {
	inner    http.RoundTripper
	registry string
	creds    types.DockerAuthConfig
}

func (b basicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != b.registry || (b.creds.Username == "" && b.creds.Password == "") {
		return b.inner.RoundTrip(req)
	}
	req = req.Clone(req.Context())
	req.SetBasicAuth(b.creds.Username, b.creds.Password)
	return b.inner.RoundTrip(req)
}

// bearerTransport obtains a pull token from the realm and sends it with every
// request to the registry, fetching a new one when it expires.
type bearerTransport struct {
	inner          http.RoundTripper
	registry       string
	realm          *url.URL
	service, scope string
	creds          types.DockerAuthConfig
	client         *http.Client // for token requests: the same wire, redirects bounded

	// lock (1-buffered) guards token and expires and is held during a
	// token request, so one request serves all waiters; unlike a mutex, a
	// waiter gives up when its own context ends.
	lock    chan struct{}
	token   string
	expires time.Time
}

func (b *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != b.registry {
		return b.inner.RoundTrip(req)
	}
	token, err := b.current(req.Context())
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return b.inner.RoundTrip(req)
}

// current returns a token that has not expired, fetching one if needed.
func (b *bearerTransport) current(ctx context.Context) (string, error) {
	select {
	case b.lock <- struct{}{}:
	case <-ctx.Done():
		return "", requestError(ctx, "waiting for a bearer token for "+b.registry, b.realm.Redacted(), ctx.Err())
	}
	defer func() { <-b.lock }()
	if b.expires.IsZero() || time.Now().After(b.expires) {
		token, expires, err := b.fetch(ctx)
		if err != nil {
			return "", err
		}
		b.token, b.expires = token, expires
	}
	return b.token, nil
}

// fetch asks the realm for a token: a GET with the credentials as basic
// auth, or, with an identity token, the OAuth2 refresh-token POST.
func (b *bearerTransport) fetch(ctx context.Context) (string, time.Time, error) {
	u := *b.realm
	params := u.Query()
	if b.service != "" {
		params.Add("service", b.service)
	}
	params.Add("scope", b.scope)
	var req *http.Request
	var err error
	if b.creds.IdentityToken != "" {
		params.Add("grant_type", "refresh_token")
		params.Add("refresh_token", b.creds.IdentityToken)
		params.Add("client_id", "containers/image")
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(params.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		if b.creds.Username != "" {
			params.Add("account", b.creds.Username)
		}
		u.RawQuery = params.Encode()
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err == nil && b.creds.Username != "" && b.creds.Password != "" {
			req.SetBasicAuth(b.creds.Username, b.creds.Password)
		}
	}
	op := "requesting a bearer token for " + b.registry
	if err != nil {
		return "", time.Time{}, &Error{Kind: ErrMalformed, Op: op, Err: err}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return "", time.Time{}, requestError(ctx, op, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", time.Time{}, tokenStatusError(op, req.URL.Redacted(), resp)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBodySize+1))
	if err != nil {
		return "", time.Time{}, bodyError(ctx, op, req.URL.Redacted(), err)
	}
	if len(body) > maxTokenBodySize {
		return "", time.Time{}, &Error{Kind: ErrTooLarge, Op: op, URL: req.URL.Redacted(), Expected: fmt.Sprintf("at most %d bytes", maxTokenBodySize), Got: "more"}
	}
	var tok struct {
		Token       string    `json:"token"`
		AccessToken string    `json:"access_token"`
		ExpiresIn   int       `json:"expires_in"`
		IssuedAt    time.Time `json:"issued_at"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		// The body is not echoed: a realm may be any URL.
		return "", time.Time{}, &Error{Kind: ErrMalformed, Op: op, URL: req.URL.Redacted(),
			Expected: "a JSON token response", Got: fmt.Sprintf("%d bytes that do not decode", len(body))}
	}
	token := tok.Token
	if token == "" {
		token = tok.AccessToken
	}
	lifetime := max(time.Duration(tok.ExpiresIn)*time.Second, minTokenLifetime)
	issued := tok.IssuedAt
	if issued.IsZero() {
		issued = time.Now()
	}
	return token, issued.Add(lifetime), nil
}

// tokenStatusError classifies a token endpoint's non-200 answer. A realm
// holds no manifests: its 404 or MANIFEST_UNKNOWN is not ErrNotFound, which
// callers take for "no such image" or "no signatures".
func tokenStatusError(op, url string, resp *http.Response) error {
	err := statusError(op, url, resp)
	if e, ok := asError(err); ok && e.Kind == ErrNotFound {
		e.Kind = ErrUnexpectedStatus
	}
	return err
}
