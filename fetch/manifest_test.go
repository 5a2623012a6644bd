package fetch

import (
	"context"
	"testing"

	"github.com/opencontainers/go-digest"
	imgspecv1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// TestDigestHeaderNotHashedAgain: a Docker-Content-Digest header costs
// nothing without a Trace to warn in, and with one a header of the body's
// algorithm reuses the digest already computed.
func TestDigestHeaderNotHashedAgain(t *testing.T) {
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)
	d := digest.Canonical.FromBytes(body)
	allocs := func(ctx context.Context, header string) float64 {
		res := &response{mediaType: imgspecv1.MediaTypeImageManifest, digestHeader: header, body: body}
		return testing.AllocsPerRun(20, func() {
			if _, err := checkManifest(ctx, "op", "url", res, ""); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, tc := range []struct {
		desc   string
		ctx    context.Context
		header digest.Digest
	}{
		{"no trace", context.Background(), d},
		{"no trace, a sha512 header", context.Background(), digest.SHA512.FromBytes(body)},
		{"a trace", WithTrace(context.Background(), &Trace{}), d},
	} {
		if with, without := allocs(tc.ctx, tc.header.String()), allocs(tc.ctx, ""); with != without {
			t.Errorf("%s: %v allocations with a matching header, %v without one", tc.desc, with, without)
		}
	}
	var tr Trace
	res := &response{mediaType: imgspecv1.MediaTypeImageManifest, digestHeader: digest.FromString("other").String(), body: body}
	if _, err := checkManifest(WithTrace(context.Background(), &tr), "op", "url", res, ""); err != nil || len(tr.Warnings()) != 1 {
		t.Errorf("a disagreeing header: %v, warnings %q; want one warning", err, tr.Warnings())
	}
}
