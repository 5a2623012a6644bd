package fetch

import (
	"context"
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

// getManifest fetches the manifest tagOrDigest from ep. want, when not
// empty, is the digest the body must have; the Docker-Content-Digest header,
// when present, must match the body too. Manifests fetched by digest are
// cached and fetched once by concurrent callers.
func (c *Client) getManifest(ctx context.Context, ep *endpoint, key endpointKey, tagOrDigest string, want digest.Digest) (*fetchedManifest, error) {
	op := "reading manifest " + tagOrDigest + " in " + key.host + "/" + key.repo
	var res *response
	if want == "" {
		r, err := c.get(ctx, ep, op, "/manifests/"+tagOrDigest, acceptManifests, maxManifestSize)
		if err != nil {
			return nil, err
		}
		res = r
	} else {
		r, err := c.getImmutable(ctx, ep, key, op, "/manifests/"+tagOrDigest, want, acceptManifests, maxManifestSize)
		if err != nil {
			return nil, err
		}
		res = r
	}
	return checkManifest(op, ep.base+"/manifests/"+tagOrDigest, res, want)
}

// checkManifest verifies media type, digest and syntax of a fetched manifest.
func checkManifest(op, url string, res *response, want digest.Digest) (*fetchedManifest, error) {
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
	if res.digestHeader != "" {
		announced, err := digest.Parse(res.digestHeader)
		if err != nil || !announced.Algorithm().Available() {
			return nil, &Error{Kind: ErrMalformed, Op: op, URL: url, Expected: "a valid Docker-Content-Digest", Got: quoteOrEmpty(res.digestHeader)}
		}
		if actual := announced.Algorithm().FromBytes(res.body); actual != announced {
			return nil, &Error{Kind: ErrDigestMismatch, Op: op, URL: url, Expected: string(announced) + " (Docker-Content-Digest)", Got: string(actual)}
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
