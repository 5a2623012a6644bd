package fetch

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

// catalogScope is the token scope of the registry catalog.
const catalogScope = "registry:catalog:*"

// Catalog lists the repositories of the registry host (host[:port]) whose
// names start with prefix ("" for all; "ns/" for those under ns), from
// the registry's paginated /v2/_catalog, in the registry's order. Each
// page is read within 4 MiB.
func (c *Client) Catalog(ctx context.Context, host, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		ep, err := c.registryEndpoint(ctx, host)
		if err != nil {
			yield("", err)
			return
		}
		op := "listing the catalog of " + host
		for body, err := range c.pages(ctx, ep, op, "/v2/_catalog?n="+itoa(pageSize)) {
			if err != nil {
				yield("", err)
				return
			}
			var page struct {
				Repositories []string `json:"repositories"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				yield("", &Error{Kind: ErrMalformed, Op: op, Err: err})
				return
			}
			for _, r := range page.Repositories {
				if !strings.HasPrefix(r, prefix) {
					continue
				}
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// registryEndpoint connects to host with the catalog scope: the same ping
// and token exchange as a repository's endpoint, with the host's
// credentials.
func (c *Client) registryEndpoint(ctx context.Context, host string) (*endpoint, error) {
	op := "connecting to " + host
	insecure := isLoopback(host) || c.hosts.insecure(host)
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	reg, err := name.NewRegistry(host, nameOpts...)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: op, Err: err}
	}
	auth := authn.Anonymous
	creds, err := config.GetCredentials(c.authSys, host)
	if err != nil {
		return nil, &Error{Kind: ErrAuth, Op: "reading credentials for " + host, Err: err}
	}
	if creds != (types.DockerAuthConfig{}) {
		auth = authn.FromConfig(authn.AuthConfig{Username: creds.Username, Password: creds.Password, IdentityToken: creds.IdentityToken})
	}
	var rt http.RoundTripper
	err = c.withRetries(ctx, func(ctx context.Context) error {
		var err error
		rt, err = transport.NewWithContext(ctx, reg, auth, transport.NewUserAgent(endpointWire{wire: c.wire}, "sigpolicy"), []string{catalogScope})
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
		base:   "https://" + reg.RegistryStr() + "/v2",
	}, nil
}

// insecureLocation reports whether registries.conf marks the registry of
// a location `insecure = true`.
func (c *Client) insecureLocation(ref interface{ Name() string }) bool {
	reg := c.opts.registriesConf.FindRegistry(ref.Name())
	return reg != nil && reg.Insecure
}

func itoa(n int) string { return strconv.Itoa(n) }
