package audit

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/verify"
)

// Limits of a release image read.
const (
	// ImageReferencesPath is where a release image lists its images.
	ImageReferencesPath = "release-manifests/image-references"
	// MaxReleaseLayer bounds each compressed layer read.
	MaxReleaseLayer = 1 << 30
	// maxUncompressedLayer bounds what one layer may expand to.
	maxUncompressedLayer = 4 << 30
	// maxImageReferences bounds the image-references file.
	maxImageReferences = 8 << 20
)

// ErrNoImageReferences: no layer of the image holds ImageReferencesPath.
var ErrNoImageReferences = errors.New("not a release image: no " + ImageReferencesPath)

// Release yields an OpenShift release image and every image it lists, as
// the cluster pulls them: the release image itself by digest (the digest
// its reference resolves to, through the mirrors), then each
// spec.tags[].from.name of release-manifests/image-references, in file
// order, all read within timeout (none when 0). The image is resolved and
// its layers read (last first, each within 1 GiB and digest-verified before
// anything in it is used) through c, so mirrors apply. The list is read from a release image that nothing
// has verified yet: its own result says whether CRI-O would pull it.
func Release(ctx context.Context, c *fetch.Client, image string, timeout time.Duration) iter.Seq2[Ref, error] {
	return func(yield func(Ref, error) bool) {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if timeout > 0 { // as for a decision: the release read is bounded from when it starts
			rctx, cancel = context.WithTimeout(ctx, timeout)
		}
		refs, top, err := releaseReferences(rctx, c, image)
		cancel()
		if err != nil {
			yield(Ref{}, fmt.Errorf("release %s: %w", image, err))
			return
		}
		from := "release " + image
		if !yield(Ref{Image: top, From: from}, nil) {
			return
		}
		for _, r := range refs {
			if !yield(Ref{Image: r.image, From: from + " (" + r.tag + ")"}, nil) {
				return
			}
		}
	}
}

type releaseRef struct{ tag, image string }

// releaseReferences resolves image and reads its image-references; top is
// the release image by the digest it resolved to.
func releaseReferences(ctx context.Context, c *fetch.Client, image string) ([]releaseRef, string, error) {
	ref, err := verify.ParseImage(image)
	if err != nil {
		return nil, "", err
	}
	img, err := c.Resolve(ctx, ref)
	if err != nil {
		return nil, "", err
	}
	top := img.Digest
	if img.ListDigest != "" {
		top = img.ListDigest
	}
	m, err := manifest.FromBlob(img.Manifest, img.ManifestMediaType)
	if err != nil {
		return nil, "", err
	}
	layers := m.LayerInfos()
	for _, l := range slices.Backward(layers) {
		data, err := readLayer(ctx, c, img, l.Digest, l.MediaType)
		if err != nil {
			return nil, "", err
		}
		if data == nil {
			continue
		}
		refs, err := parseImageReferences(data)
		if err != nil {
			return nil, "", fmt.Errorf("%s in layer %s: %w", ImageReferencesPath, l.Digest, err)
		}
		return refs, reference.TrimNamed(ref).Name() + "@" + top.String(), nil
	}
	return nil, "", ErrNoImageReferences
}

// readLayer returns the image-references file of one layer, nil when the
// layer has none; the whole layer is read so that its digest is verified,
// and a layer that is not the blob it should be is reported as such rather
// than as the unreadable archive it then is.
func readLayer(ctx context.Context, c *fetch.Client, img *fetch.Image, d digest.Digest, mediaType string) ([]byte, error) {
	blob, err := c.OpenBlob(ctx, img, d, MaxReleaseLayer)
	if err != nil {
		return nil, err
	}
	defer blob.Close()
	data, err := findInLayer(blob, d, mediaType)
	if err != nil {
		if _, verr := io.Copy(io.Discard, blob); verr != nil {
			return nil, verr
		}
		return nil, err
	}
	return data, nil
}

// findInLayer reads the layer blob to its end and returns its
// image-references file, nil when it has none.
func findInLayer(blob io.Reader, d digest.Digest, mediaType string) ([]byte, error) {
	var tarStream io.Reader
	switch mediaType {
	case manifest.DockerV2Schema2LayerMediaType, "application/vnd.oci.image.layer.v1.tar+gzip":
		zr, err := gzip.NewReader(blob)
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", d, err)
		}
		defer zr.Close()
		tarStream = zr
	case "application/vnd.oci.image.layer.v1.tar":
		tarStream = blob
	default:
		return nil, fmt.Errorf("layer %s: media type %q is not supported (gzip or uncompressed tar)", d, mediaType)
	}
	limited := &io.LimitedReader{R: tarStream, N: maxUncompressedLayer + 1}
	tr := tar.NewReader(limited)
	var found []byte
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("layer %s: %w", d, err)
		}
		if h.Typeflag != tar.TypeReg || path.Clean("/"+h.Name) != "/"+ImageReferencesPath {
			continue
		}
		if h.Size > maxImageReferences {
			return nil, fmt.Errorf("layer %s: %s is %d bytes, more than %d", d, ImageReferencesPath, h.Size, maxImageReferences)
		}
		if found, err = io.ReadAll(tr); err != nil {
			return nil, fmt.Errorf("layer %s: %w", d, err)
		}
	}
	if limited.N <= 0 {
		return nil, fmt.Errorf("layer %s expands beyond %d bytes", d, int64(maxUncompressedLayer))
	}
	// The tar end marker is not the blob's end: read on so the digest is
	// checked (a mismatch fails here).
	if _, err := io.Copy(io.Discard, blob); err != nil {
		return nil, err
	}
	return found, nil
}

// parseImageReferences reads the ImageStream of a release image.
func parseImageReferences(data []byte) ([]releaseRef, error) {
	var stream struct {
		Kind string `json:"kind"`
		Spec struct {
			Tags []struct {
				Name string `json:"name"`
				From *struct {
					Kind string `json:"kind"`
					Name string `json:"name"`
				} `json:"from"`
			} `json:"tags"`
		} `json:"spec"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&stream); err != nil {
		return nil, err
	}
	if stream.Kind != "ImageStream" {
		return nil, fmt.Errorf("kind %q, want ImageStream", stream.Kind)
	}
	var refs []releaseRef
	for _, t := range stream.Spec.Tags {
		if t.From == nil || t.From.Kind != "DockerImage" || t.From.Name == "" {
			return nil, fmt.Errorf("tag %q: from is not a DockerImage", t.Name)
		}
		refs = append(refs, releaseRef{tag: t.Name, image: t.From.Name})
	}
	if len(refs) == 0 {
		return nil, errors.New("no image listed")
	}
	return refs, nil
}
