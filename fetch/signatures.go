package fetch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"
)

// Signature is one layer of a `.sig` attachment manifest, as the library's
// signature.SigstoreFromComponents receives it. Everything in it is
// attacker-controlled until verified.
type Signature struct {
	MediaType   string            `json:"mediaType"`
	Payload     []byte            `json:"payload"`
	Annotations map[string]string `json:"annotations,omitempty"`
	LayerDigest string            `json:"layerDigest"`
}

// Signatures reads the sigstore attachments of img: the OCI manifest tagged
// sha256-<hex>.sig in the repository img was read from, then each of its
// layers. A missing tag means no signatures and no error. Concurrent calls
// for the same repository and digest share one read.
func (c *Client) Signatures(ctx context.Context, img *Image) ([]Signature, error) {
	defer recordStage(ctx, "signatures", time.Now())
	if img == nil || img.Physical == nil {
		return nil, &Error{Kind: ErrMalformed, Op: "reading signatures", Expected: "an Image from Resolve", Got: "no physical reference"}
	}
	if err := img.Digest.Validate(); err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: "reading signatures", Expected: "a valid digest", Got: fmt.Sprintf("%q", img.Digest), Err: err}
	}
	host := reference.Domain(img.Physical)
	key := endpointKey{host: host, repo: reference.Path(img.Physical), insecure: img.source.insecure}
	d := img.attachmentDigest()
	sigs, shared, err := c.signatures.do(ctx, key.String()+"@"+d.String(), func() ([]Signature, error) {
		return c.readSignatures(ctx, key, d)
	})
	if shared {
		recordLocal(ctx, Request{Method: "GET", URL: "signatures of " + key.String() + "@" + img.Digest.String(), Attempt: 1, Shared: true})
	}
	if err != nil {
		return nil, err
	}
	out := make([]Signature, len(sigs))
	for i, s := range sigs {
		out[i] = s
		out[i].Payload = clone(s.Payload)
		out[i].Annotations = maps.Clone(s.Annotations)
	}
	return out, nil
}

// attachmentDigest names img's cosign attachments: the sha256 digest of the
// manifest, even for an image pulled by another algorithm's digest, as the
// library computes it.
func (img *Image) attachmentDigest() digest.Digest {
	if img.Digest.Algorithm() == digest.Canonical {
		return img.Digest
	}
	return digest.Canonical.FromBytes(img.Manifest)
}

// AttachmentTag is the tag holding img's cosign signatures,
// "sha256-<hex>.sig".
func (img *Image) AttachmentTag() string { return sigstoreAttachmentTag(img.attachmentDigest()) }

// sigstoreAttachmentTag is the library's tag for d's attachments.
func sigstoreAttachmentTag(d digest.Digest) string {
	return strings.Replace(d.String(), ":", "-", 1) + ".sig"
}

func (c *Client) readSignatures(ctx context.Context, key endpointKey, d digest.Digest) ([]Signature, error) {
	if err := c.checkBlocked(key.host + "/" + key.repo); err != nil {
		return nil, err
	}
	ep, err := c.endpoint(ctx, key)
	if err != nil {
		return nil, err
	}
	tag := sigstoreAttachmentTag(d)
	sigRef := key.host + "/" + key.repo + ":" + tag
	op := "reading sigstore attachment manifest " + sigRef
	res, err := c.get(ctx, ep, op, "/manifests/"+tag, acceptManifests, maxManifestSize)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	url := ep.base + "/manifests/" + tag
	if res.mediaType != imgspecv1.MediaTypeImageManifest {
		return nil, &Error{Kind: ErrMediaType, URL: url,
			Op:       "unexpected MIME type for sigstore attachment manifest " + sigRef,
			Expected: `"` + imgspecv1.MediaTypeImageManifest + `"`, Got: quoteOrEmpty(res.mediaType)}
	}
	m, err := manifest.OCI1FromManifest(res.body)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: "parsing manifest " + sigRef, URL: url, Err: err}
	}
	if len(m.Layers) > c.opts.maxLayers {
		return nil, &Error{Kind: ErrTooManyLayers, Op: op, URL: url,
			Expected: fmt.Sprintf("at most %d layers", c.opts.maxLayers), Got: fmt.Sprintf("%d", len(m.Layers))}
	}
	return c.readLayers(ctx, ep, key, m.Layers)
}

// isNotFound: the library takes any "manifest unknown" answer for the
// attachment tag as "no attachments".
func isNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.Kind == ErrNotFound
}

// readLayers fetches the layers with bounded concurrency. The error
// reported is the one of the first failing layer in manifest order, as a
// sequential read (the library's) would report; layers after a failure are
// not started.
func (c *Client) readLayers(ctx context.Context, ep *endpoint, key endpointKey, layers []imgspecv1.Descriptor) ([]Signature, error) {
	sigs := make([]Signature, len(layers))
	errs := make([]error, len(layers))
	var next atomic.Int64
	firstFailed := atomic.Int64{}
	firstFailed.Store(int64(len(layers)))
	var wg sync.WaitGroup
	for range min(c.opts.concurrency, len(layers)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(layers) || int64(i) > firstFailed.Load() {
					return
				}
				sigs[i], errs[i] = c.readLayer(ctx, ep, key, layers[i], i, len(layers))
				if errs[i] != nil {
					for {
						cur := firstFailed.Load()
						if int64(i) >= cur || firstFailed.CompareAndSwap(cur, int64(i)) {
							break
						}
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return sigs, nil
}

// readLayer reads one signature blob within the size limit and checks its digest.
func (c *Client) readLayer(ctx context.Context, ep *endpoint, key endpointKey, layer imgspecv1.Descriptor, i, n int) (Signature, error) {
	op := fmt.Sprintf("reading sigstore attachment %d/%d %s in %s/%s", i+1, n, layer.Digest, key.host, key.repo)
	if err := layer.Digest.Validate(); err != nil {
		return Signature{}, &Error{Kind: ErrMalformed, Op: op, Expected: "a valid digest", Got: fmt.Sprintf("%q", layer.Digest), Err: err}
	}
	if !layer.Digest.Algorithm().Available() {
		return Signature{}, &Error{Kind: ErrMalformed, Op: op, Expected: "a supported digest algorithm", Got: fmt.Sprintf("%q", layer.Digest.Algorithm())}
	}
	path := "/blobs/" + layer.Digest.String()
	res, err := c.getImmutable(ctx, ep, key, op, path, layer.Digest, "", c.opts.maxBlobSize)
	if errors.Is(err, ErrNotFound) {
		// The registry answered: the attachment names a blob it does not
		// have. That is a broken attachment (a denial), not an outage.
		return Signature{}, &Error{Kind: ErrMalformed, Op: op, URL: ep.base + path, Expected: "the signature blob", Got: "HTTP 404 (blob unknown)"}
	}
	if err != nil {
		return Signature{}, err
	}
	if got := layer.Digest.Algorithm().FromBytes(res.body); got != layer.Digest {
		return Signature{}, &Error{Kind: ErrDigestMismatch, Op: op, URL: ep.base + path, Expected: fmt.Sprintf("%q", layer.Digest), Got: fmt.Sprintf("%q", got)}
	}
	return Signature{MediaType: layer.MediaType, Payload: res.body, Annotations: layer.Annotations, LayerDigest: layer.Digest.String()}, nil
}
