package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// Attachment is an image's cosign attachment as read: the digest of the
// `.sig` manifest (computed from its body; "" when the tag does not exist)
// and its layers.
type Attachment struct {
	Digest     digest.Digest
	Signatures []Signature
}

// Signatures reads the sigstore attachments of img: the OCI manifest tagged
// sha256-<hex>.sig in the repository img was read from, then each of its
// layers. A missing tag means no signatures and no error. Concurrent calls
// for the same repository and digest share one read.
func (c *Client) Signatures(ctx context.Context, img *Image) ([]Signature, error) {
	att, err := c.Attachment(ctx, img)
	if err != nil {
		return nil, err
	}
	return att.Signatures, nil
}

// Attachment is Signatures with the digest of the `.sig` manifest the
// signatures came from, so that a verdict on them can later be proven
// current with AttachmentDigest.
func (c *Client) Attachment(ctx context.Context, img *Image) (*Attachment, error) {
	defer recordStage(ctx, "signatures", time.Now())
	key, d, err := attachmentOf(img)
	if err != nil {
		return nil, err
	}
	att, shared, err := c.signatures.do(ctx, key.String()+"@"+d.String(), func() (*Attachment, error) {
		return c.readSignatures(ctx, key, d)
	})
	if shared {
		recordLocal(ctx, Request{Method: "GET", URL: "signatures of " + key.String() + "@" + img.Digest.String(), Attempt: 1, Shared: true})
	}
	if err != nil {
		return nil, err
	}
	out := &Attachment{Digest: att.Digest, Signatures: make([]Signature, len(att.Signatures))}
	for i, s := range att.Signatures {
		out.Signatures[i] = s
		out.Signatures[i].Payload = clone(s.Payload)
		out.Signatures[i].Annotations = maps.Clone(s.Annotations)
	}
	return out, nil
}

// AttachmentDigest reads img's `.sig` manifest as it is served now and
// returns its digest, computed from the body ("" when the tag does not
// exist): one request once the repository is connected, to prove that
// signatures read earlier (Attachment) are still the image's. Its layers
// are digest-addressed, so the manifest's digest covers them.
func (c *Client) AttachmentDigest(ctx context.Context, img *Image) (digest.Digest, error) {
	key, d, err := attachmentOf(img)
	if err != nil {
		return "", err
	}
	m, err := c.attachmentManifest(ctx, key, d)
	if err != nil || m == nil {
		return "", err
	}
	return sha256Digest(m.body), nil
}

// sigManifest is a `.sig` manifest as served, accepted as the library
// accepts it (getSigstoreAttachmentManifest).
type sigManifest struct {
	ep           *endpoint
	ref, op, url string
	body         []byte
}

// attachmentManifest reads the `.sig` manifest of d in key's repository;
// nil when the tag does not exist. Attachment and AttachmentDigest both
// read it here, so a digest proven current is one of a manifest Attachment
// would accept: the media type is part of what the library checks.
func (c *Client) attachmentManifest(ctx context.Context, key endpointKey, d digest.Digest) (*sigManifest, error) {
	if err := c.checkBlocked(key.host + "/" + key.repo); err != nil {
		return nil, err
	}
	ep, err := c.endpoint(ctx, key)
	if err != nil {
		return nil, err
	}
	tag := sigstoreAttachmentTag(d)
	m := &sigManifest{ep: ep, ref: key.host + "/" + key.repo + ":" + tag, url: ep.base + "/manifests/" + tag}
	m.op = "reading sigstore attachment manifest " + m.ref
	res, err := c.get(ctx, ep, m.op, "/manifests/"+tag, acceptManifests, maxManifestSize)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	if res.mediaType != imgspecv1.MediaTypeImageManifest {
		return nil, &Error{Kind: ErrMediaType, URL: m.url,
			Op:       "unexpected MIME type for sigstore attachment manifest " + m.ref,
			Expected: `"` + imgspecv1.MediaTypeImageManifest + `"`, Got: quoteOrEmpty(res.mediaType)}
	}
	m.body = res.body
	return m, nil
}

// sha256Digest is digest.Canonical.FromBytes with one allocation.
func sha256Digest(b []byte) digest.Digest {
	sum := sha256.Sum256(b)
	var buf [7 + 2*sha256.Size]byte
	copy(buf[:], "sha256:")
	hex.Encode(buf[7:], sum[:])
	return digest.Digest(buf[:])
}

// ImageAt is the image with digest d (sha256) as a pull of ref would read
// it, when that is known without a request: ref is read from its own
// repository (OriginOnly). The Image has no manifest; it serves
// AttachmentDigest.
func (c *Client) ImageAt(ref reference.Named, d digest.Digest) (*Image, bool) {
	if !isSHA256(d) || !c.OriginOnly(ref) {
		return nil, false
	}
	// Physical names the repository; its tag or digest is not read.
	return &Image{Logical: ref, Physical: ref, Digest: d, source: source{ref: ref}}, true
}

// isSHA256 is digest.Validate for sha256 digests, without its regular
// expression: this is on the path of every cache hit.
func isSHA256(d digest.Digest) bool {
	hex, ok := strings.CutPrefix(string(d), "sha256:")
	return ok && len(hex) == 64 && isLowerHex(hex)
}

// isLowerHex reports whether s is made of 0-9 and a-f only.
func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// attachmentOf names the endpoint and the image digest of img's attachment.
func attachmentOf(img *Image) (endpointKey, digest.Digest, error) {
	if img == nil || img.Physical == nil {
		return endpointKey{}, "", &Error{Kind: ErrMalformed, Op: "reading signatures", Expected: "an Image from Resolve", Got: "no physical reference"}
	}
	if !isSHA256(img.Digest) {
		if err := img.Digest.Validate(); err != nil {
			return endpointKey{}, "", &Error{Kind: ErrMalformed, Op: "reading signatures", Expected: "a valid digest", Got: fmt.Sprintf("%q", img.Digest), Err: err}
		}
	}
	key := endpointKey{host: reference.Domain(img.Physical), repo: reference.Path(img.Physical), insecure: img.source.insecure}
	return key, img.attachmentDigest(), nil
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
	return string(d.Algorithm()) + "-" + d.Encoded() + ".sig"
}

func (c *Client) readSignatures(ctx context.Context, key endpointKey, d digest.Digest) (*Attachment, error) {
	m, err := c.attachmentManifest(ctx, key, d)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return &Attachment{}, nil
	}
	manifestDigest := sha256Digest(m.body)
	layers, err := c.attachmentLayers(m.body, manifestDigest)
	if err != nil {
		return nil, &Error{Kind: ErrMalformed, Op: "parsing manifest " + m.ref, URL: m.url, Err: err}
	}
	if len(layers) > c.opts.maxLayers {
		return nil, &Error{Kind: ErrTooManyLayers, Op: m.op, URL: m.url,
			Expected: fmt.Sprintf("at most %d layers", c.opts.maxLayers), Got: fmt.Sprintf("%d", len(layers))}
	}
	sigs, err := c.readLayers(ctx, m.ep, key, layers)
	if err != nil {
		return nil, err
	}
	return &Attachment{Digest: manifestDigest, Signatures: sigs}, nil
}

// maxRememberedAttachments and maxRememberedAttachmentSize bound
// Client.attachmentManifests: one signature's `.sig` manifest is 0.5–5 KB.
const (
	maxRememberedAttachments    = 256
	maxRememberedAttachmentSize = 16 << 10
)

// attachmentLayers parses a `.sig` manifest with the library's parser and
// returns its layers (shared: never modified). A manifest that parsed
// before — the same bytes, d being their SHA-256 — is not parsed again: a
// long-lived Client reads the same attachment at every decision of an image.
func (c *Client) attachmentLayers(body []byte, d digest.Digest) ([]imgspecv1.Descriptor, error) {
	if layers, ok := c.attachmentManifests.Get(d); ok {
		return layers, nil
	}
	m, err := manifest.OCI1FromManifest(body)
	if err != nil {
		return nil, err
	}
	if len(body) <= maxRememberedAttachmentSize {
		c.attachmentManifests.Put(d, m.Layers)
	}
	return m.Layers, nil
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
