package fetch

import (
	"net/http"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/types"

	"github.com/sigpolicy/sigpolicy/internal/bounded"
)

// Client reads images and their sigstore attachments from registries. It is
// built once by New and safe for concurrent use; its configuration never
// changes.
type Client struct {
	opts     options
	platform platform
	hosts    hostRules
	wire     *wire
	authSys  *types.SystemContext // where credentials are looked up
	cache    *blobCache           // nil when disabled

	endpoints *bounded.Map[endpointKey, *endpoint] // one authenticated client per repository, at most maxEndpoints
	// attachmentManifests holds the layers of `.sig` manifests parsed, by
	// the SHA-256 of their bytes (attachmentLayers).
	attachmentManifests *bounded.Map[digest.Digest, []imgspecv1.Descriptor]
	connecting          group[*endpoint]   // connections in progress
	immutable           group[*response]   // digest-addressed GETs, forgotten once answered
	signatures          group[*Attachment] // one .sig read per repository and digest at a time
}

// New builds a Client; options are applied in order over the defaults and
// the first failing option is returned.
func New(opts ...Option) (*Client, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	p, err := parsePlatform(o.platform)
	if err != nil {
		return nil, err
	}
	authSys, err := authContext(o.authFile, o.registriesConf.Path())
	if err != nil {
		return nil, err
	}
	hosts := newHostRules(o.insecure)
	w := newWire(hosts, o.transport)
	if l := newHostLimiter(o.hostConcurrency, o.hostRate); l != nil {
		w.verified, w.skipTLS = limited{w.verified, l}, limited{w.skipTLS, l}
	}
	return &Client{
		opts:                o,
		platform:            p,
		hosts:               hosts,
		wire:                w,
		authSys:             authSys,
		cache:               newBlobCache(o.cacheBytes),
		endpoints:           bounded.New[endpointKey, *endpoint](maxEndpoints),
		attachmentManifests: bounded.New[digest.Digest, []imgspecv1.Descriptor](maxRememberedAttachments),
	}, nil
}

// CloseIdleConnections closes the kept-alive connections; the Client stays usable.
func (c *Client) CloseIdleConnections() {
	type idleCloser interface{ CloseIdleConnections() }
	for _, rt := range []http.RoundTripper{c.wire.verified, c.wire.skipTLS} {
		if ic, ok := rt.(idleCloser); ok {
			ic.CloseIdleConnections()
		}
	}
}
