package fetch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
)

// Image is a resolved image: the manifest a pull of Logical would use.
type Image struct {
	// Logical is the reference as requested; policy scopes and signed
	// identities are matched against it.
	Logical reference.Named
	// Physical is the reference actually read (a mirror's, or Logical
	// itself); signatures are read from its repository.
	Physical reference.Named
	// Digest is the digest of Manifest: for a manifest list, the instance
	// chosen for the platform.
	Digest            digest.Digest
	ManifestMediaType string
	Manifest          []byte
	// ListDigest is the manifest list's digest, "" when Logical is a single image.
	ListDigest digest.Digest
	// Platform is the platform the instance was chosen for, "" for a single image.
	Platform string

	source source
}

// Resolve reads the manifest of ref (normalised, with a tag or a digest)
// from the first source that has it: each mirror registries.conf lists for
// it, in order, then the origin. A tag costs one request once the
// repository's endpoint is connected; a manifest list costs one more for
// the platform's instance.
func (c *Client) Resolve(ctx context.Context, ref reference.Named) (*Image, error) {
	defer recordStage(ctx, "resolve", time.Now())
	if ref == nil {
		return nil, errors.New("reading images from docker: no reference")
	}
	if _, ok := ref.(reference.Digested); !ok {
		if _, ok := ref.(reference.Tagged); !ok {
			return nil, fmt.Errorf("reading images from docker: reference %q without a tag or digest is not supported", ref.String())
		}
	}
	sources, err := c.sources(ref)
	if err != nil {
		return nil, err
	}
	var failed []string
	for _, mirror := range sources[:len(sources)-1] {
		img, served, err := c.resolveAt(ctx, ref, mirror)
		if err == nil || served {
			// A source that served the top-level manifest is the one the
			// library pulls from: its later failures (a missing platform
			// instance) are final, as they are for the library.
			return img, err
		}
		failed = append(failed, fmt.Sprintf("[%s: %v]", mirror.ref.String(), err))
	}
	origin := sources[len(sources)-1] // PullSourcesFromReference always ends with the origin
	img, _, err := c.resolveAt(ctx, ref, origin)
	if err == nil || len(failed) == 0 {
		return img, err
	}
	// Worded as the library does; the origin's error keeps its kind.
	return nil, fmt.Errorf("(Mirrors also failed: %s): %s: %w", strings.Join(failed, "\n"), origin.ref.String(), err)
}

// resolveAt reads logical's manifest from one source; served reports that
// the source answered with the top-level manifest.
func (c *Client) resolveAt(ctx context.Context, logical reference.Named, src source) (img *Image, served bool, err error) {
	host := reference.Domain(src.ref)
	if err := c.checkBlocked(src.ref.Name()); err != nil {
		return nil, false, err
	}
	key := endpointKey{host: host, repo: reference.Path(src.ref), insecure: src.insecure}
	ep, err := c.endpoint(ctx, key)
	if err != nil {
		return nil, false, err
	}
	var tagOrDigest string
	var want digest.Digest
	switch r := src.ref.(type) {
	case reference.Digested:
		tagOrDigest, want = r.Digest().String(), r.Digest()
	case reference.Tagged:
		tagOrDigest = r.Tag()
	default:
		return nil, false, &Error{Kind: ErrMalformed, Op: "rewriting " + logical.String(), Expected: "a tag or digest", Got: src.ref.String()}
	}
	top, err := c.getManifest(ctx, ep, key, tagOrDigest, want)
	if err != nil {
		return nil, false, err
	}
	img = &Image{Logical: logical, Physical: src.ref, source: src,
		Digest: top.digest, ManifestMediaType: top.mediaType, Manifest: top.body}
	if !manifest.MIMETypeIsMultiImage(top.mediaType) {
		img.Manifest = clone(top.body)
		return img, true, nil
	}
	list, err := manifest.ListFromBlob(top.body, top.mediaType)
	if err != nil {
		return nil, true, &Error{Kind: ErrMalformed, Op: "parsing manifest list " + tagOrDigest, Err: err}
	}
	instance, err := list.ChooseInstance(c.platform.systemContext())
	if err != nil {
		return nil, true, &Error{Kind: ErrNoPlatform, Op: "choosing from manifest list " + top.digest.String(), Expected: c.platform.String(), Err: err}
	}
	inst, err := c.getManifest(ctx, ep, key, instance.String(), instance)
	if err != nil {
		return nil, true, err
	}
	if manifest.MIMETypeIsMultiImage(inst.mediaType) {
		return nil, true, &Error{Kind: ErrMediaType, Op: "reading instance " + instance.String() + " of manifest list " + top.digest.String(),
			Expected: "a single-image manifest", Got: `"` + inst.mediaType + `"`}
	}
	img.ListDigest = top.digest
	img.Platform = c.platform.String()
	img.Digest, img.ManifestMediaType, img.Manifest = inst.digest, inst.mediaType, clone(inst.body)
	return img, true, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
