package fetch

import (
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

// endpoint is an authenticated HTTP client for one repository on one host,
// or for the registry itself (its catalog) when the key names no repository.
// It is built once (ping, token exchange) and reused by every later call.
type endpoint struct {
	client     *http.Client
	base       string // "https://host/v2/repo", or http:// when the ping fell back to it
	key        endpointKey
	challenged bool // the ping asked for credentials: they were looked up and sent
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

// maxEndpoints bounds the connected repositories a Client remembers (about
// 2 KB each): a long-lived engine auditing a fleet sees repositories
// without end. When full the memo is emptied, as the other memos are, and
// the next request of each repository connects again (a ping, and a token
// exchange for bearer auth).
const maxEndpoints = 4096

// endpoint returns the remembered endpoint for key, connecting on first use
// (once for concurrent callers). A failed connection is not remembered.
func (c *Client) endpoint(ctx context.Context, key endpointKey) (*endpoint, error) {
	if ep, ok := c.endpoints.Get(key); ok {
		return ep, nil
	}
	ep, _, err := c.connecting.do(ctx, key.String(), func() (*endpoint, error) {
		if ep, ok := c.endpoints.Get(key); ok { // connected while this caller waited
			return ep, nil
		}
		ep, err := c.connect(ctx, key)
		if err == nil {
			c.endpoints.Put(key, ep)
		}
		return ep, err
	})
	return ep, err
}

// connect pings the registry (through go-containerregistry's Ping, which
// falls back to plain HTTP where the host allows it) and sets up the
// library's authentication for the challenge it answers with. Credentials
// are looked up only for a challenge that uses them: a registry that asks
// for none never costs the search through registries.conf and the auth
// files.
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
	wire := endpointWire{wire: c.wire}
	if key.insecure {
		wire.insecureHost = key.host
	}
	rt := transport.NewUserAgent(wire, "sigpolicy")
	var challenge *transport.Challenge
	err = c.withRetries(ctx, func(ctx context.Context) error {
		var err error
		challenge, err = transport.Ping(ctx, reg, rt)
		if err != nil {
			return requestError(ctx, op, "", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var creds types.DockerAuthConfig
	challenged := needsCredentials(challenge.Scheme)
	if challenged {
		if creds, err = c.lookUpCredentials(key); err != nil {
			return nil, err
		}
	}
	scope := catalogScope
	if key.repo != "" {
		scope = reg.Repo(key.repo).Scope(transport.PullScope)
	}
	auth, err := authorizer(rt, reg.RegistryStr(), scope, creds, challenge.Scheme, challenge.Parameters, c.opts.maxRedirects)
	if err != nil {
		return nil, err
	}
	if b, ok := auth.(*bearerTransport); ok { // the first token now, so that a refusal fails the connection
		err = c.withRetries(ctx, func(ctx context.Context) error {
			_, err := b.current(ctx)
			return err
		})
		if err != nil {
			return nil, c.noteCredentials(key, challenged, err)
		}
	}
	scheme := "https"
	if challenge.Insecure {
		scheme = "http"
	}
	base := scheme + "://" + reg.RegistryStr() + "/v2"
	if key.repo != "" {
		base += "/" + key.repo
	}
	return &endpoint{
		client:     &http.Client{Transport: auth, CheckRedirect: checkRedirect(c.opts.maxRedirects)},
		base:       base,
		key:        key,
		challenged: challenged,
	}, nil
}

// lookUpCredentials finds the credentials for key's repository, or for
// its host when key has no repository (the catalog).
func (c *Client) lookUpCredentials(key endpointKey) (types.DockerAuthConfig, error) {
	if key.repo == "" {
		creds, err := config.GetCredentials(c.authSys, key.host)
		if err != nil {
			return types.DockerAuthConfig{}, &Error{Kind: ErrAuth, Op: "reading credentials for " + key.host, Err: err}
		}
		return creds, nil
	}
	named, err := reference.ParseNamed(key.host + "/" + key.repo)
	if err != nil {
		return types.DockerAuthConfig{}, &Error{Kind: ErrMalformed, Op: "connecting to " + key.host, Err: err}
	}
	creds, err := c.credentials(named)
	if err != nil {
		return types.DockerAuthConfig{}, &Error{Kind: ErrAuth, Op: "reading credentials for " + named.Name(), Err: err}
	}
	return creds, nil
}
