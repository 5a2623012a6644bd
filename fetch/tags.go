package fetch

import (
	"context"
	"iter"
	"strings"

	"go.podman.io/image/v5/docker/reference"
)

// pageSize is the n= asked of paginated listings; registries may answer
// with fewer per page.
const pageSize = 1000

// IsAttachmentTag reports whether tag names a digest's attachment
// (sha256-<hex>.sig, sha256-<hex>.att, the referrers fallback tag
// sha256-<hex>) rather than an image: the tags cosign and the OCI
// referrers tag schema derive from a digest, sha256-[0-9a-f]{64}(\.[a-z]+)?.
func IsAttachmentTag(tag string) bool {
	hex, ok := strings.CutPrefix(tag, "sha256-")
	if !ok || len(hex) < 64 || !isLowerHex(hex[:64]) {
		return false
	}
	suffix := hex[64:]
	if suffix == "" {
		return true
	}
	if suffix[0] != '.' || len(suffix) == 1 {
		return false
	}
	for _, c := range []byte(suffix[1:]) {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// Tags lists the tags of repo (a repository name; any tag or digest is
// ignored) as its registry serves them, page by page following the Link
// headers, directly from that registry (no mirror). Each page is read
// within 4 MiB.
func (c *Client) Tags(ctx context.Context, repo reference.Named) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		repo = reference.TrimNamed(repo)
		key := endpointKey{host: reference.Domain(repo), repo: reference.Path(repo), insecure: c.insecureLocation(repo.Name())}
		if err := c.checkBlocked(repo.Name()); err != nil {
			yield("", err)
			return
		}
		ep, err := c.endpoint(ctx, key)
		if err != nil {
			yield("", err)
			return
		}
		for tag, err := range c.entries(ctx, ep, "listing tags of "+repo.Name(), "/v2/"+key.repo+"/tags/list?n="+itoa(pageSize), func(l *listing) []string { return l.Tags }) {
			if !yield(tag, err) || err != nil {
				return
			}
		}
	}
}
