package trust

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
)

// Fingerprint identifies the trust material itself — the parsed keys,
// certificates and subject constraints — not the configuration that named
// it: a key file replaced under the same path gives another fingerprint.
// Callers key caches of verdicts on it; "" means the material could not be
// fingerprinted and must not be cached.
func (s *Sigstore) Fingerprint() string { return s.fingerprint }

// fingerprintOf hashes the root's kind and material, each field length
// prefixed.
func fingerprintOf(r root) string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte(r.kind()))
	if !r.fingerprint(field) {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

func certs(field func([]byte), cs []*x509.Certificate) {
	field(binary.LittleEndian.AppendUint64(nil, uint64(len(cs))))
	for _, c := range cs {
		field(c.Raw)
	}
}
