package fetch

import (
	"fmt"

	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// source is one place an image may be read from: a mirror or its origin.
type source struct {
	ref      reference.Named // the physical reference, tag or digest kept
	insecure bool            // `insecure = true` for this endpoint in registries.conf
}

// sources lists where to look for logical, in the library's order: the
// mirrors that apply (PullSourcesFromReference honours mirror-by-digest-only
// and pull-from-mirror), then the origin.
func (c *Client) sources(logical reference.Named) ([]source, error) {
	reg := c.opts.registriesConf.FindRegistry(logical.Name())
	if reg == nil {
		return []source{{ref: logical}}, nil
	}
	pulls, err := reg.PullSourcesFromReference(logical)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: "rewriting " + logical.String() + " for its mirrors", Err: err}
	}
	out := make([]source, 0, len(pulls))
	for _, p := range pulls {
		out = append(out, source{ref: p.Reference, insecure: p.Endpoint.Insecure})
	}
	return out, nil
}

// checkBlocked refuses a repository that registries.conf blocks (by host,
// namespace or repository prefix), as the library's docker client does for
// each physical reference it reads from.
func (c *Client) checkBlocked(repository string) error {
	if reg := c.opts.registriesConf.FindRegistry(repository); reg != nil && reg.Blocked {
		return &Error{Kind: ErrBlocked, Op: "connecting to " + repository,
			Err: fmt.Errorf("registry %s is blocked in one of %s", reg.Prefix, c.opts.registriesConf.Describe())}
	}
	return nil
}

// OriginOnly reports whether ref is read from its own repository alone: no
// registries.conf entry gives it mirrors, rewrites or blocks it. The image's
// physical reference is then ref itself, known without a request.
func (c *Client) OriginOnly(ref reference.Named) bool {
	return c.opts.registriesConf.FindRegistry(ref.Name()) == nil
}

// RegistriesConf returns the registries.conf the Client follows; nil when none.
func (c *Client) RegistriesConf() *node.RegistriesConf { return c.opts.registriesConf }
