package fetch

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
)

// Where an unseen referrer was found.
const (
	ViaReferrersAPI = "referrers-api" // GET /v2/<repo>/referrers/<digest>
	ViaFallbackTag  = "fallback-tag"  // the OCI referrers tag schema: sha256-<hex>
)

// Artifact types of cosign signatures stored as OCI referrers, which the
// containers library (and so CRI-O) never reads.
const (
	// sigstoreBundlePrefix starts every sigstore bundle media type
	// (application/vnd.dev.sigstore.bundle.v0.3+json, …): cosign v3's
	// default signature format.
	sigstoreBundlePrefix = "application/vnd.dev.sigstore.bundle"
	// cosignSigArtifactType is cosign's simple-signing signature stored as
	// a referrer instead of under the .sig tag.
	cosignSigArtifactType = "application/vnd.dev.cosign.artifact.sig.v1+json"
	// emptyMediaType is the config media type of artifact manifests; some
	// registries (go-containerregistry's) list it as the artifactType.
	emptyMediaType = "application/vnd.oci.empty.v1+json"
	// maxReferrersInspected bounds the referrer manifests read when the
	// listing does not say what a referrer is.
	maxReferrersInspected = 8
)

// Unseen is what a registry holds for an image besides the `.sig`
// attachment CRI-O reads: signatures that exist but that a pull never sees.
// Nothing here is verified; it explains a missing signature, it never
// allows an image.
type Unseen struct {
	// Referrers are cosign signatures stored as OCI referrers of the image
	// digest: sigstore bundles (cosign v3) or cosign signatures in referrer
	// mode.
	Referrers []Referrer `json:"referrers,omitempty"`
	// IndexSignature is the `.sig` attachment of the manifest list the image
	// was chosen from ("repo:sha256-<hex>.sig"): the list is signed, the
	// platform instance CRI-O checks is not.
	IndexSignature string `json:"indexSignature,omitempty"`
	// OriginSignature is the `.sig` attachment at the origin
	// ("repo:sha256-<hex>.sig") when a mirror served the image without it.
	OriginSignature string `json:"originSignature,omitempty"`
	// Errors lists the looks that failed; what they would have found is
	// unknown.
	Errors []string `json:"errors,omitempty"`
}

// Found reports whether any unseen signature was found.
func (u *Unseen) Found() bool {
	return u != nil && (len(u.Referrers) > 0 || u.IndexSignature != "" || u.OriginSignature != "")
}

// Referrer is one cosign signature stored as an OCI referrer.
type Referrer struct {
	Repository   string `json:"repository"`
	Digest       string `json:"digest"`
	ArtifactType string `json:"artifactType"`
	Via          string `json:"via"` // ViaReferrersAPI or ViaFallbackTag
}

// Unseen looks, for an image whose `.sig` attachment holds no signature,
// for the signatures a pull cannot see: a cosign bundle or signature stored
// as an OCI referrer (the referrers API, then the fallback tag
// sha256-<hex>), a signature on the manifest list instead of the platform
// instance, and, for an image served by a mirror, a `.sig` attachment at
// the origin. Each look costs one or two requests; failures are recorded in
// Errors, never returned: the answer only explains a denial.
func (c *Client) Unseen(ctx context.Context, img *Image) *Unseen {
	defer recordStage(ctx, "unseen", time.Now())
	u := &Unseen{}
	if img == nil || img.Physical == nil || img.Digest.Validate() != nil {
		u.Errors = append(u.Errors, "no resolved image to look at")
		return u
	}
	key := endpointKey{host: reference.Domain(img.Physical), repo: reference.Path(img.Physical), insecure: img.source.insecure}
	if err := c.checkBlocked(key.host + "/" + key.repo); err != nil {
		u.Errors = append(u.Errors, err.Error())
		return u
	}
	ep, err := c.endpoint(ctx, key)
	if err != nil {
		u.Errors = append(u.Errors, err.Error())
		return u
	}
	d := img.attachmentDigest()
	u.referrers(ctx, c, ep, key, d)
	if img.ListDigest != "" && img.ListDigest.Algorithm() == digest.SHA256 {
		tag := sigstoreAttachmentTag(img.ListDigest)
		if ok, err := c.tagExists(ctx, ep, key, tag); err != nil {
			u.Errors = append(u.Errors, err.Error())
		} else if ok {
			u.IndexSignature = key.host + "/" + key.repo + ":" + tag
		}
	}
	if origin, ok := c.origin(img); ok && c.checkBlocked(origin.ref.Name()) == nil {
		okey := endpointKey{host: reference.Domain(origin.ref), repo: reference.Path(origin.ref), insecure: origin.insecure}
		oep, err := c.endpoint(ctx, okey)
		if err == nil {
			tag := sigstoreAttachmentTag(d)
			var exists bool
			if exists, err = c.tagExists(ctx, oep, okey, tag); exists {
				u.OriginSignature = origin.ref.Name() + ":" + tag
			}
		}
		if err != nil {
			u.Errors = append(u.Errors, err.Error())
		}
	}
	return u
}

// origin is the last pull source of img's logical reference — the origin,
// or the location registries.conf rewrites it to — when another source
// served img.
func (c *Client) origin(img *Image) (source, bool) {
	if img.Logical == nil {
		return source{}, false
	}
	srcs, err := c.sources(img.Logical)
	if err != nil || len(srcs) == 0 {
		return source{}, false
	}
	o := srcs[len(srcs)-1]
	return o, o.ref.Name() != img.Physical.Name()
}

// referrers asks the referrers API for d's referrers and, when it is not
// supported or lists no signature, reads the fallback tag too: a mirror
// copies tags, not the registry's referrer index.
func (u *Unseen) referrers(ctx context.Context, c *Client, ep *endpoint, key endpointKey, d digest.Digest) {
	repo := key.host + "/" + key.repo
	op := "listing referrers of " + repo + "@" + d.String()
	res, err := c.get(ctx, ep, op, "/referrers/"+d.String(), imgspecv1.MediaTypeImageIndex, maxManifestSize)
	switch {
	case err == nil && res.mediaType == imgspecv1.MediaTypeImageIndex:
		u.collect(ctx, c, ep, key, res.body, ViaReferrersAPI)
		if len(u.Referrers) > 0 {
			return
		}
	case err != nil && !referrersUnsupported(err):
		u.Errors = append(u.Errors, err.Error())
	}
	tag := strings.Replace(d.String(), ":", "-", 1)
	res, err = c.get(ctx, ep, "reading referrers tag "+repo+":"+tag, "/manifests/"+tag, imgspecv1.MediaTypeImageIndex, maxManifestSize)
	switch {
	case err == nil && res.mediaType == imgspecv1.MediaTypeImageIndex:
		u.collect(ctx, c, ep, key, res.body, ViaFallbackTag)
	case err == nil:
		u.Errors = append(u.Errors, fmt.Sprintf("%s:%s is a %s, not a referrers index", repo, tag, quoteOrEmpty(res.mediaType)))
	case !isNotFound(err):
		u.Errors = append(u.Errors, err.Error())
	}
}

// referrersUnsupported: the answers of a registry without the referrers
// API (the distribution spec's fallback conditions).
func referrersUnsupported(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	return e.Kind == ErrNotFound || (e.Kind == ErrUnexpectedStatus && (e.Got == "HTTP 400" || e.Got == "HTTP 406"))
}

// collect keeps the signatures among the descriptors of a referrers index.
func (u *Unseen) collect(ctx context.Context, c *Client, ep *endpoint, key endpointKey, body []byte, via string) {
	var idx imgspecv1.Index
	if err := json.Unmarshal(body, &idx); err != nil {
		u.Errors = append(u.Errors, fmt.Sprintf("referrers of %s/%s (%s): %v", key.host, key.repo, via, err))
		return
	}
	inspected := 0
	for _, desc := range idx.Manifests {
		if desc.Digest.Validate() != nil {
			continue
		}
		at := desc.ArtifactType
		if (at == "" || at == emptyMediaType) && inspected < maxReferrersInspected {
			inspected++
			at = c.artifactType(ctx, ep, key, desc.Digest)
		}
		if isSignatureArtifact(at) {
			u.Referrers = append(u.Referrers, Referrer{Repository: key.host + "/" + key.repo, Digest: desc.Digest.String(), ArtifactType: at, Via: via})
		}
	}
}

func isSignatureArtifact(artifactType string) bool {
	return strings.HasPrefix(artifactType, sigstoreBundlePrefix) || artifactType == cosignSigArtifactType
}

// artifactType reads a referrer manifest for what the listing left out:
// its artifactType, else its config's media type when that is not the
// empty one, else its first layer's media type (a bundle's).
func (c *Client) artifactType(ctx context.Context, ep *endpoint, key endpointKey, d digest.Digest) string {
	op := "reading referrer " + d.String() + " in " + key.host + "/" + key.repo
	res, err := c.getImmutable(ctx, ep, key, op, "/manifests/"+d.String(), d, imgspecv1.MediaTypeImageManifest, maxManifestSize)
	if err != nil || d.Algorithm().FromBytes(res.body) != d {
		return ""
	}
	var m struct {
		ArtifactType string                 `json:"artifactType"`
		Config       imgspecv1.Descriptor   `json:"config"`
		Layers       []imgspecv1.Descriptor `json:"layers"`
	}
	if json.Unmarshal(res.body, &m) != nil {
		return ""
	}
	switch {
	case m.ArtifactType != "":
		return m.ArtifactType
	case m.Config.MediaType != "" && m.Config.MediaType != emptyMediaType:
		return m.Config.MediaType
	case len(m.Layers) > 0:
		return m.Layers[0].MediaType
	}
	return ""
}

// tagExists reports whether repo has a manifest under tag.
func (c *Client) tagExists(ctx context.Context, ep *endpoint, key endpointKey, tag string) (bool, error) {
	_, err := c.get(ctx, ep, "reading "+key.host+"/"+key.repo+":"+tag, "/manifests/"+tag, acceptManifests, maxManifestSize)
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, err
}
