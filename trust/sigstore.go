package trust

import (
	"time"

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

// RootKind says which kind of trust root a requirement uses. Each kind is
// declared with its root, one file each.
type RootKind string

// Sigstore is the compiled trust of one sigstoreSigned requirement: its
// root of trust, every key and certificate parsed once. It is immutable and
// safe for concurrent use.
type Sigstore struct {
	root root
	// fingerprint identifies the root's material (Fingerprint).
	fingerprint string
}

// root is one compiled root of trust. Each kind lives in one file with the
// function compiling it from its node type, its checks and its fingerprint.
type root interface {
	kind() RootKind
	// vouch runs the root's checks that precede the payload signature (the
	// Rekor SET, the certificate and its identity), in the library's order,
	// appending a step per passed check to steps. It returns the keys that
	// may have signed the payload; on failure, the steps passed before it.
	vouch(sig layer, steps []Step) (vouched, *Failure)
	// fingerprint writes the root's material to field; false when it cannot.
	fingerprint(field func([]byte)) bool
}

// layer is one signature layer being authenticated, at the time of the
// decision.
type layer struct {
	untrustedPayload      []byte
	untrustedAnnotations  map[string]string
	untrustedB64Signature string
	now                   time.Time
}

// vouched is what a root's checks established: the keys that may have
// signed the payload, either a public key root's keys or the key of a
// verified certificate (kept apart so that Authenticate's one-element
// candidate list stays off the heap).
type vouched struct {
	steps []Step
	keys  []sigsig.Verifier
	cert  sigsig.Verifier
	// validUntil is when a verified certificate chain expires; zero when
	// nothing expires.
	validUntil time.Time
}

// Kind returns the requirement's trust root kind.
func (s *Sigstore) Kind() RootKind { return s.root.kind() }
