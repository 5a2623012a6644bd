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

func (s *Sigstore) computeFingerprint() string {
	h := sha256.New()
	field := func(b []byte) {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	field([]byte(s.kind))
	for _, k := range s.keys {
		field(k.der)
	}
	field([]byte("rekor"))
	for _, k := range s.rekorKeys {
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return ""
		}
		field(der)
	}
	if f := s.fulcio; f != nil {
		field([]byte("fulcio"))
		certs(field, f.rootCerts)
		field([]byte(f.issuer))
		field([]byte(f.email))
	}
	if p := s.pki; p != nil {
		field([]byte("pki"))
		certs(field, p.rootCerts)
		field([]byte("intermediates"))
		certs(field, p.intermediateCerts)
		field([]byte(p.email))
		field([]byte(p.hostname))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func certs(field func([]byte), cs []*x509.Certificate) {
	field(binary.LittleEndian.AppendUint64(nil, uint64(len(cs))))
	for _, c := range cs {
		field(c.Raw)
	}
}
