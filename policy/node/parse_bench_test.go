package node

import (
	"encoding/json"
	"fmt"
	"testing"

	"go.podman.io/image/v5/signature"
)

// benchPublicKey is a P-256 public key in PEM, the size of a real cosign key.
const benchPublicKey = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgvbqLpiZvwt2ZZEPu3aYFcM/9cMZ
uLtQwsRz/O0N5Y1Cj0FYdHRPyFeNd8LbySqzuH4E6PKBNOrgPWM7xjG+Pw==
-----END PUBLIC KEY-----
`

// renderedPolicy builds a policy.json as the MCO renders it: n docker
// scopes, each a sigstoreSigned requirement with keyData, a Rekor key and a
// signedIdentity, marshalled by the library's own types.
func renderedPolicy(tb testing.TB, n int) []byte {
	tb.Helper()
	scopes := signature.PolicyTransportScopes{}
	for i := range n {
		var id signature.PolicyReferenceMatch = signature.NewPRMMatchRepository()
		if i%2 == 1 {
			remap, err := signature.NewPRMRemapIdentity(fmt.Sprintf("mirror%d.example.com/ns", i), "quay.io/ns")
			if err != nil {
				tb.Fatal(err)
			}
			id = remap
		}
		req, err := signature.NewPRSigstoreSigned(
			signature.PRSigstoreSignedWithKeyData([]byte(benchPublicKey)),
			signature.PRSigstoreSignedWithRekorPublicKeyData([]byte(benchPublicKey)),
			signature.PRSigstoreSignedWithSignedIdentity(id),
		)
		if err != nil {
			tb.Fatal(err)
		}
		scopes[fmt.Sprintf("registry%d.example.com/team%d/app", i%37, i)] = signature.PolicyRequirements{req}
	}
	p := signature.Policy{
		Default:    signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
		Transports: map[string]signature.PolicyTransportScopes{"docker": scopes, "docker-daemon": {"": {signature.NewPRInsecureAcceptAnything()}}},
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestRenderedPolicyMatchesLibrary(t *testing.T) {
	compareWithLibrary(t, renderedPolicy(t, 50))
}

func BenchmarkParsePolicy(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		data := renderedPolicy(b, n)
		b.Run(fmt.Sprintf("sigpolicy/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParsePolicy(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("library/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := signature.NewPolicyFromBytes(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
