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
// the way the library picks its source: each mirror registries.conf lists
// for it, in order, then the origin; the first source that answers the
// manifest request with a body at all is the one pulled from, and every
// check after that (digest, media type, syntax, platform instance) is final,
// with no fallback to a later source. A tag costs one request once the
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
	for i, src := range sources {
		top, err := c.fetchTop(ctx, ref, src)
		if err == nil {
			return c.finishResolve(ctx, ref, top)
		}
		if i == len(sources)-1 { // PullSourcesFromReference always ends with the origin
			if len(failed) == 0 {
				return nil, err
			}
			// Worded as the library does; the origin's error keeps its kind.
			return nil, fmt.Errorf("(Mirrors also failed: %s): %s: %w", strings.Join(failed, " "), src.ref.String(), err)
		}
		failed = append(failed, fmt.Sprintf("[%s: %v]", src.ref.String(), err))
	}
	return nil, errors.New("internal error: no source to read from") // sources is never empty
}

// served is a source that answered the top-level manifest request: the
// source the library pulls from.
type served struct {
	src         source
	ep          *endpoint
	key         endpointKey
	tagOrDigest string
	want        digest.Digest // the requested digest, "" for a tag
	res         *response
}

// fetchTop asks one source for logical's manifest. It fails only where the
// library's source selection fails: a blocked registry, no connection, an
// error status, or a body that cannot be read within the limit. What the
// body holds is not looked at here.
func (c *Client) fetchTop(ctx context.Context, logical reference.Named, src source) (*served, error) {
	if err := c.checkBlocked(src.ref.Name()); err != nil {
		return nil, err
	}
	s := &served{src: src, key: endpointKey{host: reference.Domain(src.ref), repo: reference.Path(src.ref), insecure: src.insecure}}
	switch r := src.ref.(type) {
	case reference.Digested:
		s.tagOrDigest, s.want = r.Digest().String(), r.Digest()
	case reference.Tagged:
		s.tagOrDigest = r.Tag()
	default:
		return nil, &Error{Kind: ErrMalformed, Op: "rewriting " + logical.String(), Expected: "a tag or digest", Got: src.ref.String()}
	}
	ep, err := c.endpoint(ctx, s.key)
	if err != nil {
		return nil, err
	}
	s.ep = ep
	s.res, err = c.fetchManifest(ctx, ep, s.key, s.tagOrDigest, s.want)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// finishResolve checks the served manifest and, for a manifest list, reads
// the platform's instance from the same source. Every failure is final.
func (c *Client) finishResolve(ctx context.Context, logical reference.Named, s *served) (*Image, error) {
	top, err := checkManifest(ctx, manifestOp(s.key, s.tagOrDigest), s.ep.base+"/manifests/"+s.tagOrDigest, s.res, s.want)
	if err != nil {
		return nil, err
	}
	img := &Image{Logical: logical, Physical: s.src.ref, source: s.src,
		Digest: top.digest, ManifestMediaType: top.mediaType}
	if !manifest.MIMETypeIsMultiImage(top.mediaType) {
		img.Manifest = clone(top.body)
		return img, nil
	}
	list, err := manifest.ListFromBlob(top.body, top.mediaType)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: "parsing manifest list " + s.tagOrDigest, Err: err}
	}
	instance, err := list.ChooseInstance(c.platform.systemContext())
	if err != nil {
		return nil, &Error{Kind: ErrNoPlatform, Op: "choosing from manifest list " + top.digest.String(), Expected: c.platform.String(), Err: err}
	}
	inst, err := c.getManifest(ctx, s.ep, s.key, instance.String(), instance)
	if err != nil {
		return nil, err
	}
	if manifest.MIMETypeIsMultiImage(inst.mediaType) {
		return nil, &Error{Kind: ErrMediaType, Op: "reading instance " + instance.String() + " of manifest list " + top.digest.String(),
			Expected: "a single-image manifest", Got: `"` + inst.mediaType + `"`}
	}
	img.ListDigest = top.digest
	img.Platform = c.platform.String()
	img.Digest, img.ManifestMediaType, img.Manifest = inst.digest, inst.mediaType, clone(inst.body)
	return img, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
