package verify

import (
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/trust"
)

// TestSignedDigestAlgorithms: like the library's manifest.MatchesDigest, a
// signature covers the pulled manifest under any digest algorithm when the
// manifest bytes are known; with only a digest, it must be that digest.
func TestSignedDigestAlgorithms(t *testing.T) {
	key := newTestKey(t, "ecdsa")
	v, err := NewSigstoreVerifier(&node.SigstoreRequirement{Root: node.PublicKeyRoot{Keys: node.PEMData(key.pubPEM)}, SignedIdentity: node.Identity{Type: node.MatchRepository}})
	if err != nil {
		t.Fatal(err)
	}
	sha256Digest := digest.Canonical.FromBytes(testManifest)
	sha512Digest := digest.SHA512.FromBytes(testManifest)
	image, err := reference.ParseNormalizedNamed(genRepo + "@" + sha512Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	signed := func(d digest.Digest) []UntrustedSignature {
		p := cosignPayload(d, genRepo)
		return []UntrustedSignature{layer(p, map[string]string{trust.SignatureAnnotation: key.sign(t, p)})}
	}
	now := time.Now()
	for _, tc := range []struct {
		desc    string
		result  RequirementResult
		allowed bool
	}{
		{"sha256 signature, image pulled by sha512, manifest known", v.EvaluateManifestAt(now, image, testManifest, sha512Digest, signed(sha256Digest)), true},
		{"sha512 signature, image pulled by sha512", v.EvaluateManifestAt(now, image, testManifest, sha512Digest, signed(sha512Digest)), true},
		{"signature of other bytes", v.EvaluateManifestAt(now, image, testManifest, sha512Digest, signed(digest.FromString("other"))), false},
		{"sha256 signature, only the sha512 digest known", v.EvaluateAt(now, image, sha512Digest, signed(sha256Digest)), false},
	} {
		if tc.result.Allowed != tc.allowed {
			t.Errorf("%s: allowed=%v (%s), want %v", tc.desc, tc.result.Allowed, tc.result.Reason, tc.allowed)
		}
	}
}
