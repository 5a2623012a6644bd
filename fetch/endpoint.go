package fetch

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"go.podman.io/image/v5/docker/reference"
)

// endpoint is an authenticated HTTP client for one repository on one host.
// It is built once (ping, token exchange) and reused by every later call.
type endpoint struct {
	client *http.Client
	base   string // "https://host/v2/repo"; go-containerregistry's scheme transport switches to http when the ping did
}

// endpointKey names an endpoint: the same repository reached as an insecure
// mirror is a different endpoint.
type endpointKey struct {
	host, repo string
	insecure   bool
}

func (k endpointKey) String() string {
	s := k.host + "/" + k.repo
	if k.insecure {
		s += " (insecure)"
	}
	return s
}

// endpoint returns the cached endpoint for key, connecting on first use.
// A failed connection is not cached.
func (c *Client) endpoint(ctx context.Context, key endpointKey) (*endpoint, error) {
	ep, _, err := c.endpoints.do(ctx, key.String(), func() (*endpoint, error) { return c.connect(ctx, key) })
	return ep, err
}

// connect pings the registry and exchanges credentials for a pull token,
// through go-containerregistry's transport package.
func (c *Client) connect(ctx context.Context, key endpointKey) (*endpoint, error) {
	op := "connecting to " + key.host
	var nameOpts []name.Option
	if key.insecure || isLoopback(key.host) || c.hosts.insecure(key.host) {
		nameOpts = append(nameOpts, name.Insecure) // lets the ping fall back to http
	}
	reg, err := name.NewRegistry(key.host, nameOpts...)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: op, Err: err}
	}
	repo := reg.Repo(key.repo)
	named, err := reference.ParseNamed(key.host + "/" + key.repo)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: op, Err: err}
	}
	auth, err := c.authenticator(named)
	if err != nil {
		return nil, &Error{Kind: ErrAuth, Op: "reading credentials for " + named.Name(), Err: err}
	}
	wire := endpointWire{wire: c.wire}
	if key.insecure {
		wire.insecureHost = key.host
	}
	var rt http.RoundTripper
	err = c.withRetries(ctx, func(ctx context.Context) error {
		var err error
		rt, err = transport.NewWithContext(ctx, reg, auth, transport.NewUserAgent(wire, "sigpolicy"), []string{repo.Scope(transport.PullScope)})
		if err != nil {
			return requestError(ctx, op, "", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &endpoint{
		client: &http.Client{Transport: rt, CheckRedirect: checkRedirect(c.opts.maxRedirects)},
		base:   "https://" + reg.RegistryStr() + "/v2/" + key.repo,
	}, nil
}
