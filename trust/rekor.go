package trust

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/sigpolicy/sigpolicy/internal/bounded"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// rekorKeys are the Rekor public keys of a root: a SET must be signed by
// one of them. read remembers the SET annotations whose parse succeeded
// under this root, by the SHA-256 of their bytes (about 2 KB each: the
// logged certificate or key and the signature); when full it is emptied.
type rekorKeys struct {
	keys []*ecdsa.PublicKey
	read *bounded.Map[[sha256.Size]byte, *readSET]
}

// maxReadSETs bounds rekorKeys.read.
const maxReadSETs = 1024

// compileRekorKeys parses the Rekor keys. The library requires ECDSA, which
// the parser does not check. An empty list, which the parser refuses,
// verifies no SET.
func compileRekorKeys(src node.KeySource) (*rekorKeys, error) {
	pems, err := readKeys(src, "Rekor public keys")
	if err != nil {
		return nil, err
	}
	keys := make([]*ecdsa.PublicKey, 0, len(pems))
	for i, p := range pems {
		pk, err := cryptoutils.UnmarshalPEMToPublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("parsing Rekor public key %d: %w", i+1, err)
		}
		ec, ok := pk.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("Rekor public key %d is not using ECDSA", i+1)
		}
		keys = append(keys, ec)
	}
	return &rekorKeys{keys: keys, read: bounded.New[[sha256.Size]byte, *readSET](maxReadSETs)}, nil
}

// fingerprint writes a "rekor" section with the keys (none for nil).
func (r *rekorKeys) fingerprint(field func([]byte)) bool {
	field([]byte("rekor"))
	if r == nil {
		return true
	}
	for _, k := range r.keys {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return false
		}
		field(der)
	}
	return true
}

// loggedEntry is the content of a Rekor SET whose signature verified under a
// trusted Rekor key: what the log recorded for one signature. It is never
// modified once made (rekorKeys.read shares it).
type loggedEntry struct {
	integratedTime time.Time
	logIndex       int64
	keyOrCertDER   []byte // the PEM payload of signature.publicKey.content
	spec           *hashedRekordV001
}

const setExpected = "SET signed by a trusted Rekor key, recording this signature"

func setFailure(reason Reason, msg string) *Failure {
	return fail(CheckRekorSET, reason, setExpected, "", msg)
}

// verifySET parses the SET annotation, verifies its signature (RFC 8785
// canonical JSON of Payload, SHA-256, ECDSA) under any Rekor key, and decodes
// the hashedrekord 0.0.1 entry it carries. Nothing is trusted before the
// signature verified, except what parsing needs.
//
// Parsing, canonicalising and decoding depend on the annotation's bytes
// alone: for an annotation whose whole parse succeeded before, they are
// taken from r.read, and only the signature is verified again.
func (r *rekorKeys) verifySET(untrusted []byte) (*loggedEntry, *Failure) {
	key := sha256.Sum256(untrusted)
	if read, ok := r.read.Get(key); ok {
		if !r.signed(read.hash, read.signature) {
			return nil, setFailure(ReasonBadSET, "cryptographic signature verification of Rekor SET failed")
		}
		return read.entry, nil
	}
	set, ok := parseSETLayout(untrusted)
	if !ok {
		if err := json.Unmarshal(untrusted, &set); err != nil {
			return nil, setFailure(ReasonBadSET, err.Error())
		}
	}
	canonical, err := jsoncanonicalizer.Transform(set.payload)
	if err != nil {
		return nil, setFailure(ReasonBadSET, fmt.Sprintf("canonicalizing Rekor SET JSON: %v", err))
	}
	hash := sha256.Sum256(canonical)
	if !r.signed(hash, set.signedEntryTimestamp) {
		return nil, setFailure(ReasonBadSET, "cryptographic signature verification of Rekor SET failed")
	}

	// Decode the canonical form that was verified, not the bytes as delivered.
	payload, ok := parseSETPayloadLayout(canonical)
	if !ok {
		if err := json.Unmarshal(canonical, &payload); err != nil {
			return nil, setFailure(ReasonBadSET, fmt.Sprintf("parsing Rekor SET payload: %v", err.Error()))
		}
	}
	var entry hashedRekord
	if err := json.Unmarshal(payload.body, &entry); err != nil {
		return nil, setFailure(ReasonBadSET, fmt.Sprintf("decoding the body of a Rekor SET payload: %v", err))
	}
	if entry.APIVersion == nil {
		return nil, setFailure(ReasonBadSET, "missing Rekor SET Payload API version")
	}
	if *entry.APIVersion != hashedRekordV001Version {
		return nil, setFailure(ReasonBadSET, fmt.Sprintf("unsupported Rekor SET Payload hashedrekord version %q", *entry.APIVersion))
	}
	var spec hashedRekordV001
	if err := json.Unmarshal(entry.Spec, &spec); err != nil {
		return nil, setFailure(ReasonBadSET, fmt.Sprintf("decoding hashedrekod spec: %v", err))
	}
	if spec.Signature == nil {
		return nil, setFailure(ReasonBadSET, `Missing "signature" field in hashedrekord`)
	}
	if spec.Signature.PublicKey == nil {
		return nil, setFailure(ReasonBadSET, `Missing "signature.publicKey" field in hashedrekord`)
	}
	block, rest := pem.Decode(spec.Signature.PublicKey.Content)
	if block == nil {
		return nil, setFailure(ReasonBadSET, "publicKey in Rekor SET is not in PEM format")
	}
	if len(rest) != 0 {
		return nil, setFailure(ReasonBadSET, "publicKey in Rekor SET has trailing data")
	}
	logged := &loggedEntry{
		integratedTime: time.Unix(payload.integratedTime, 0),
		logIndex:       payload.logIndex,
		keyOrCertDER:   block.Bytes,
		spec:           &spec,
	}
	r.read.Put(key, &readSET{hash: hash, signature: set.signedEntryTimestamp, entry: logged})
	return logged, nil
}

// signed reports whether any of the keys signed hash.
func (r *rekorKeys) signed(hash [sha256.Size]byte, signature []byte) bool {
	for _, k := range r.keys {
		if ecdsa.VerifyASN1(k, hash[:], signature) {
			return true
		}
	}
	return false
}

// readSET is a SET annotation read in full: the hash its signature must
// sign, the signature, and the entry it records. Immutable.
type readSET struct {
	hash      [sha256.Size]byte
	signature []byte
	entry     *loggedEntry
}

// matchCertificatePEM checks that the entry records this certificate.
func (e *loggedEntry) matchCertificatePEM(untrustedPEM []byte) *Failure {
	block, rest := pem.Decode(untrustedPEM)
	if block == nil {
		return setFailure(ReasonBadSET, "public key or cert to be matched against publicKey in Rekor SET is not in PEM format")
	}
	if len(rest) != 0 {
		return setFailure(ReasonBadSET, "public key or cert to be matched against publicKey in Rekor SET has trailing data")
	}
	return e.matchKeyDER(block.Bytes)
}

// matchKeyDER checks that the entry records this key (or certificate) DER;
// like the library, the PEM type and headers are not compared.
func (e *loggedEntry) matchKeyDER(der []byte) *Failure {
	if !bytes.Equal(e.keyOrCertDER, der) {
		return setFailure(ReasonUntrustedKey, "publicKey in Rekor SET does not match")
	}
	return nil
}

// matchSignature checks that the entry records this signature over this
// payload (by its SHA-256 hash).
func (e *loggedEntry) matchSignature(untrustedBase64Signature string, untrustedPayload []byte) *Failure {
	sig, err := base64.StdEncoding.DecodeString(untrustedBase64Signature)
	if err != nil {
		return setFailure(ReasonBadSET, fmt.Sprintf("decoding signature base64: %v", err))
	}
	if !bytes.Equal(e.spec.Signature.Content, sig) {
		return setFailure(ReasonBadSET, fmt.Sprintf("signature in Rekor SET does not match: %#v vs. %#v",
			string(e.spec.Signature.Content), string(sig)))
	}
	data := e.spec.Data
	switch {
	case data == nil:
		return setFailure(ReasonBadSET, `Missing "data" field in hashedrekord`)
	case data.Hash == nil:
		return setFailure(ReasonBadSET, `Missing "data.hash" field in hashedrekord`)
	case data.Hash.Algorithm == nil:
		return setFailure(ReasonBadSET, `Missing "data.hash.algorithm" field in hashedrekord`)
	case *data.Hash.Algorithm != hashedRekordSHA256:
		return setFailure(ReasonBadSET, fmt.Sprintf(`Unexpected "data.hash.algorithm" value %#v`, *data.Hash.Algorithm))
	case data.Hash.Value == nil:
		return setFailure(ReasonBadSET, `Missing "data.hash.value" field in hashedrekord`)
	}
	logged, err := hex.DecodeString(*data.Hash.Value)
	if err != nil {
		return setFailure(ReasonBadSET, fmt.Sprintf(`Invalid "data.hash.value" field in hashedrekord: %v`, err))
	}
	actual := sha256.Sum256(untrustedPayload)
	if !bytes.Equal(logged, actual[:]) {
		return fail(CheckRekorSET, ReasonBadSET, hex.EncodeToString(actual[:]), hex.EncodeToString(logged),
			"payload in Rekor SET does not match")
	}
	return nil
}

func (e *loggedEntry) step() Step {
	return Step{Name: string(CheckRekorSET), Passed: true, Expected: setExpected,
		Got: fmt.Sprintf("log index %d, integrated at %s", e.logIndex, e.integratedTime.UTC().Format(time.RFC3339))}
}
