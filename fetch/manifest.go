package fetch

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
)

// acceptedManifestTypes are the manifest media types read for images; the
// deprecated schema1 formats are not among them.
var acceptedManifestTypes = []string{
	imgspecv1.MediaTypeImageManifest,
	manifest.DockerV2Schema2MediaType,
	manifest.DockerV2ListMediaType,
	imgspecv1.MediaTypeImageIndex,
}

var acceptManifests = strings.Join(acceptedManifestTypes, ", ")

// fetchedManifest is a manifest whose digest has been checked.
type fetchedManifest struct {
	mediaType string
	body      []byte
	digest    digest.Digest
}

// manifestOp names the reading of manifest tagOrDigest in errors and warnings.
func manifestOp(key endpointKey, tagOrDigest string) string {
	return "reading manifest " + tagOrDigest + " in " + key.host + "/" + key.repo
}

// fetchManifest reads the manifest tagOrDigest from ep without judging it:
// want, when not empty, only makes the read digest-addressed (cached, and
// shared by concurrent callers).
func (c *Client) fetchManifest(ctx context.Context, ep *endpoint, key endpointKey, tagOrDigest string, want digest.Digest) (*response, error) {
	op := manifestOp(key, tagOrDigest)
	if want == "" {
		return c.get(ctx, ep, op, "/manifests/"+tagOrDigest, acceptManifests, maxManifestSize)
	}
	return c.getImmutable(ctx, ep, key, op, "/manifests/"+tagOrDigest, want, acceptManifests, maxManifestSize)
}

// getManifest reads the manifest tagOrDigest from ep and checks it.
func (c *Client) getManifest(ctx context.Context, ep *endpoint, key endpointKey, tagOrDigest string, want digest.Digest) (*fetchedManifest, error) {
	res, err := c.fetchManifest(ctx, ep, key, tagOrDigest, want)
	if err != nil {
		return nil, err
	}
	return checkManifest(ctx, manifestOp(key, tagOrDigest), ep.base+"/manifests/"+tagOrDigest, res, want)
}

// checkManifest verifies media type, digest and syntax of a fetched
// manifest. want, when not empty, is the digest the body must have. The
// Docker-Content-Digest header is not part of the verdict, as in the
// library, which never reads it when pulling; one that disagrees with the
// body is recorded as a warning in the context's Trace.
func checkManifest(ctx context.Context, op, url string, res *response, want digest.Digest) (*fetchedManifest, error) {
	mt := manifest.NormalizedMIMEType(res.mediaType)
	if !accepted(mt) {
		return nil, &Error{Kind: ErrMediaType, Op: op, URL: url,
			Expected: "one of " + acceptManifests, Got: quoteOrEmpty(res.mediaType)}
	}
	algo := digest.Canonical
	if want != "" {
		algo = want.Algorithm()
	}
	got := algo.FromBytes(res.body)
	if want != "" && got != want {
		return nil, &Error{Kind: ErrDigestMismatch, Op: op, URL: url, Expected: string(want), Got: string(got)}
	}
	if res.digestHeader != "" && traceFrom(ctx) != nil { // only a Trace shows the warning
		if warning := checkDigestHeader(res.digestHeader, res.body, got); warning != "" {
			recordWarning(ctx, op+": "+warning+" (ignored, as the library ignores it)")
		}
	}
	// Whether a body parses is a function of its bytes, which their digest
	// pins: a manifest seen before (by tag or digest) is not parsed again.
	memo := string(got) + " " + mt
	if _, known := validManifests.Get(memo); !known {
		if err := parseManifest(res.body, mt); err != nil {
			return nil, &Error{Kind: ErrMalformed, Op: op, URL: url, Err: err}
		}
		validManifests.Put(memo, struct{}{})
	}
	return &fetchedManifest{mediaType: mt, body: res.body, digest: got}, nil
}

// checkDigestHeader describes how a Docker-Content-Digest header disagrees
// with body, whose digest computed is (hashed again only for a header of
// another algorithm), or returns "" when it agrees.
func checkDigestHeader(header string, body []byte, computed digest.Digest) string {
	announced, err := digest.Parse(header)
	if err != nil || !announced.Algorithm().Available() {
		return fmt.Sprintf("invalid Docker-Content-Digest %q", header)
	}
	actual := computed
	if announced.Algorithm() != computed.Algorithm() {
		actual = announced.Algorithm().FromBytes(body)
	}
	if actual != announced {
		return fmt.Sprintf("Docker-Content-Digest %s disagrees with the body's digest %s", announced, actual)
	}
	return ""
}

func accepted(mediaType string) bool {
	for _, t := range acceptedManifestTypes {
		if t == mediaType {
			return true
		}
	}
	return false
}

// parseManifest rejects bodies that are not a valid, unambiguous manifest of
// mediaType, with the library's parsers.
func parseManifest(body []byte, mediaType string) error {
	if manifest.MIMETypeIsMultiImage(mediaType) {
		_, err := manifest.ListFromBlob(body, mediaType)
		return err
	}
	_, err := manifest.FromBlob(body, mediaType)
	return err
}

func quoteOrEmpty(s string) string {
	if s == "" {
		return "nothing"
	}
	return `"` + s + `"`
}
