package trust

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

var codeSigning = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}

// parseLeaf parses the certificate annotation: exactly one PEM certificate.
func parseLeaf(untrustedPEM []byte) (*x509.Certificate, *Failure) {
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM(untrustedPEM)
	if err != nil {
		return nil, certFailure(fmt.Sprintf("parsing leaf certificate: %v", err))
	}
	switch len(certs) {
	case 0:
		return nil, certFailure("no certificate found in signature certificate data")
	case 1:
		return certs[0], nil
	default:
		return nil, certFailure("unexpected multiple certificates present in signature certificate data")
	}
}

// chainCandidates parses the chain annotation and returns all but its last
// certificate (the last is the root, which must come from the trust root).
// An empty annotation yields none.
func (a *anchors) chainCandidates(untrustedChainPEM []byte) ([]*x509.Certificate, *Failure) {
	if len(untrustedChainPEM) == 0 {
		return nil, nil
	}
	chain, err := a.parseCertificates(untrustedChainPEM)
	if err != nil {
		return nil, certFailure(fmt.Sprintf("loading certificate chain: %v", err))
	}
	if len(chain) > 1 {
		return chain[:len(chain)-1], nil
	}
	return nil, nil
}

// intermediatePool is configured plus the annotation's candidates, as the
// library builds it.
func intermediatePool(configured *x509.CertPool, candidates []*x509.Certificate) *x509.CertPool {
	if len(candidates) == 0 {
		return configured
	}
	pool := x509.NewCertPool()
	if configured != nil {
		pool = configured.Clone()
	}
	for _, c := range candidates {
		pool.AddCert(c)
	}
	return pool
}

// earliestNotAfter is when the first certificate of a chain expires.
func earliestNotAfter(chain []*x509.Certificate) time.Time {
	notAfter := chain[0].NotAfter
	for _, c := range chain[1:] {
		if c.NotAfter.Before(notAfter) {
			notAfter = c.NotAfter
		}
	}
	return notAfter
}

// ignoreCriticalSAN drops the SAN extension from the leaf's unhandled
// critical extensions: Go refuses a SAN without DNS, email, IP or URI names,
// but identities are matched here, as the library does.
func ignoreCriticalSAN(leaf *x509.Certificate) {
	if len(leaf.UnhandledCriticalExtensions) == 0 {
		return
	}
	var remaining []asn1.ObjectIdentifier
	for _, oid := range leaf.UnhandledCriticalExtensions {
		if !oid.Equal(cryptoutils.SANOID) {
			remaining = append(remaining, oid)
		}
	}
	leaf.UnhandledCriticalExtensions = remaining
}

func certFailure(msg string) *Failure {
	return fail(CheckCertificate, ReasonCertChain, "a well-formed certificate", "", msg)
}

func describeCert(c *x509.Certificate) string {
	var names []string
	names = append(names, c.EmailAddresses...)
	names = append(names, c.DNSNames...)
	for _, u := range c.URIs {
		names = append(names, u.String())
	}
	subject := c.Subject.String()
	if subject == "" {
		subject = "(empty subject)"
	}
	return fmt.Sprintf("%s [%s], issued by %s, valid %s to %s", subject, strings.Join(names, ", "),
		c.Issuer.String(), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
}
