package fetch

import (
	"context"
	"net/http"

	"github.com/opencontainers/go-digest"
)

// getImmutable fetches digest-addressed content (a manifest by digest, a
// blob): from the cache when it holds it, otherwise once for all concurrent
// callers asking for the same repository and digest. Only content that
// matches want is cached; callers still verify what they receive.
func (c *Client) getImmutable(ctx context.Context, ep *endpoint, key endpointKey, op, path string, want digest.Digest, accept string, limit int64) (*response, error) {
	url := ep.base + path
	ck := key.String() + path
	if mt, body, ok := c.cache.get(ck); ok {
		recordLocal(ctx, Request{Method: http.MethodGet, URL: url, Status: http.StatusOK, Bytes: int64(len(body)), Attempt: 1, Cached: true})
		return &response{mediaType: mt, body: body}, nil
	}
	res, shared, err := c.immutable.do(ctx, ck, func() (*response, error) {
		r, err := c.get(ctx, ep, op, path, accept, limit)
		if err != nil {
			return nil, err
		}
		if want.Validate() == nil && want.Algorithm().FromBytes(r.body) == want {
			c.cache.put(ck, r.mediaType, r.body)
		}
		return r, nil
	})
	if shared {
		status := http.StatusOK
		if err != nil {
			status = 0
		}
		recordLocal(ctx, Request{Method: http.MethodGet, URL: url, Status: status, Attempt: 1, Shared: true})
	}
	return res, err
}
