package trust

import (
	"crypto/ecdsa"

	sigsig "github.com/sigstore/sigstore/pkg/signature"
)

// Annotation keys and the media type of a cosign signature layer.
const (
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	SignatureAnnotation    = "dev.cosignproject.cosign/signature"
	SETAnnotation          = "dev.sigstore.cosign/bundle"
	CertificateAnnotation  = "dev.sigstore.cosign/certificate"
	ChainAnnotation        = "dev.sigstore.cosign/chain"
)

// RootKind says which kind of trust root a requirement uses.
type RootKind string

const (
	RootPublicKeys RootKind = "publicKeys"
	RootFulcio     RootKind = "fulcio"
	RootPKI        RootKind = "pki"
)

// Sigstore is the compiled trust of one sigstoreSigned requirement: its
// public keys, Fulcio root or PKI roots, and Rekor keys, parsed once. It is
// immutable and safe for concurrent use.
type Sigstore struct {
	kind      RootKind
	keys      []publicKey        // RootPublicKeys only; never empty then
	rekorKeys []*ecdsa.PublicKey // nil when no Rekor key is configured
	fulcio    *fulcioRoot        // RootFulcio only
	pki       *pkiRoot           // RootPKI only
	// fingerprint identifies the material above (Fingerprint).
	fingerprint string
}

// publicKey is a configured signing key, ready to verify and to compare with
// the key a Rekor entry records.
type publicKey struct {
	der      []byte // PKIX DER, as the library re-marshals it for SET matching
	verifier sigsig.Verifier
}

// Kind returns the requirement's trust root kind.
func (s *Sigstore) Kind() RootKind { return s.kind }

// UsesRekor reports whether signatures must carry a Rekor SET.
func (s *Sigstore) UsesRekor() bool { return s.rekorKeys != nil }
