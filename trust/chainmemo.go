package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"time"

	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/sigpolicy/sigpolicy/internal/bounded"
)

// maxVerifiedCertificates bounds the memo of verified signing certificates
// of one trust root; a full memo is emptied and refills with later
// successes.
const maxVerifiedCertificates = 1024

// certMemo remembers the signing certificates (certificate and chain
// annotations, byte for byte) whose verification against one compiled trust
// root succeeded, so that a certificate seen again — a BYOPKI certificate
// signs many images, a Fulcio certificate may sign several — skips the chain
// verification, the identity checks and the key loading.
//
// A remembered success is reused only at a time where every certificate
// the chain verification could examine (the leaf, the chain annotation's
// candidates, the configured intermediates and the roots) is in the same
// validity state (not yet valid, valid or expired) as when it was verified.
// crypto/x509 reads the verification time nowhere else, so at such a time
// Verify runs the very same search and returns the same chains; the
// identity checks and the key depend only on the certificate and on the
// requirement, which owns the memo. Anything
// else is a miss and goes through the full verification, and failures are
// never remembered, so the memo changes costs, never verdicts or messages;
// the ValidUntil it returns is the end of the chain verified then, which is
// valid at the later time too. It is safe for concurrent use.
type certMemo struct {
	entries *bounded.Map[certKey, *verifiedCert]
}

func newCertMemo() *certMemo {
	return &certMemo{entries: bounded.New[certKey, *verifiedCert](maxVerifiedCertificates)}
}

// certKey identifies a certificate annotation and a chain annotation: the
// SHA-256 of both, the first length-prefixed.
type certKey [sha256.Size]byte

func newCertKey(untrustedLeafPEM, untrustedChainPEM []byte) certKey {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(untrustedLeafPEM)))
	h := sha256.New()
	h.Write(n[:])
	h.Write(untrustedLeafPEM)
	h.Write(untrustedChainPEM)
	var k certKey
	h.Sum(k[:0])
	return k
}

// verifiedCert is what one successful verification established.
type verifiedCert struct {
	// examinable is every certificate the chain verification could examine,
	// with its validity state at the verification time.
	examinable []validity
	// description is the certificate step's Got.
	description string
	// identity are the passed steps after the certificate step.
	identity   []Step
	verifier   sigsig.Verifier
	validUntil time.Time
}

// validity is a certificate's validity period and its state at one time.
type validity struct {
	notBefore, notAfter time.Time
	state               validityState
}

type validityState int8

const (
	notYetValid validityState = iota - 1
	valid
	expired
)

// stateAt mirrors crypto/x509's own test: invalid before NotBefore or after
// NotAfter, both bounds included in the validity period.
func stateAt(notBefore, notAfter, at time.Time) validityState {
	switch {
	case at.Before(notBefore):
		return notYetValid
	case at.After(notAfter):
		return expired
	default:
		return valid
	}
}

// examinableAt records the validity state at the given time of each
// certificate in the groups.
func examinableAt(at time.Time, groups ...[]*x509.Certificate) []validity {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	res := make([]validity, 0, n)
	for _, g := range groups {
		for _, c := range g {
			res = append(res, validity{notBefore: c.NotBefore, notAfter: c.NotAfter, state: stateAt(c.NotBefore, c.NotAfter, at)})
		}
	}
	return res
}

// holdsAt reports whether verifying at the given time would repeat the
// remembered verification exactly.
func (v *verifiedCert) holdsAt(at time.Time) bool {
	for _, e := range v.examinable {
		if stateAt(e.notBefore, e.notAfter, at) != e.state {
			return false
		}
	}
	return true
}

// replay appends the steps of the remembered verification, with the
// certificate step's expectation for this evaluation, and returns the
// certificate key's verifier.
func (v *verifiedCert) replay(expected string, steps *[]Step) sigsig.Verifier {
	*steps = append(*steps, Step{Name: string(CheckCertificate), Passed: true, Expected: expected, Got: v.description})
	*steps = append(*steps, v.identity...)
	return v.verifier
}

// lookup returns the remembered verification of key if it holds at the
// given time; nil otherwise. A zero time is never looked up: crypto/x509
// replaces it with the current time.
func (m *certMemo) lookup(key certKey, at time.Time) *verifiedCert {
	if at.IsZero() {
		return nil
	}
	v, _ := m.entries.Get(key)
	if v == nil || !v.holdsAt(at) {
		return nil
	}
	return v
}

// store remembers a successful verification of key performed at the given
// time.
func (m *certMemo) store(key certKey, at time.Time, v *verifiedCert) {
	if at.IsZero() {
		return
	}
	m.entries.Put(key, v)
}

// poolCertificates returns the certificates x509.CertPool.AppendCertsFromPEM
// adds to a pool from pemCerts: CERTIFICATE blocks without headers that
// parse. They are the roots a chain verification may examine.
func poolCertificates(pemCerts []byte) []*x509.Certificate {
	var res []*x509.Certificate
	for len(pemCerts) > 0 {
		var block *pem.Block
		block, pemCerts = pem.Decode(pemCerts)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			continue
		}
		res = append(res, c)
	}
	return res
}
