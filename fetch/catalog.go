package fetch

import (
	"context"
	"iter"
	"strconv"
	"strings"
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
		for repo, err := range c.entries(ctx, ep, "listing the catalog of "+host, "/v2/_catalog?n="+itoa(pageSize), func(l *listing) []string { return l.Repositories }) {
			if err == nil && !strings.HasPrefix(repo, prefix) {
				continue
			}
			if !yield(repo, err) || err != nil {
				return
			}
		}
	}
}

// registryEndpoint connects to host with the catalog scope: the same ping,
// token exchange and plain-HTTP rules as a repository's endpoint, with the
// host's credentials and its registries.conf insecure setting.
func (c *Client) registryEndpoint(ctx context.Context, host string) (*endpoint, error) {
	return c.endpoint(ctx, endpointKey{host: host, insecure: c.insecureLocation(host)})
}

// insecureLocation reports whether registries.conf marks the registry of
// a location (a host, or a repository's name) `insecure = true`.
func (c *Client) insecureLocation(location string) bool {
	reg := c.opts.registriesConf.FindRegistry(location)
	return reg != nil && reg.Insecure
}

func itoa(n int) string { return strconv.Itoa(n) }
