package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// maxAnchoredIntermediates bounds the memo of verified intermediates. Only
// certificates that completed a full chain verification are remembered, so
// the bound is a safety net rather than a working limit.
const maxAnchoredIntermediates = 1024

// anchors remembers intermediate CA certificates that a full
// x509.Certificate.Verify has already chained to a trusted root, so that
// later signatures issued by the same intermediate (every Fulcio signature,
// every leaf of a BYOPKI CA) verify only their own leaf's signature.
//
// The shortcut is taken only where it provably accepts nothing a full
// verification would reject (see eligible); anything else, and every
// failure, goes through the full verification, so errors keep the library's
// wording. The memo never changes a verdict, only its cost; it is safe for
// concurrent use.
type anchors struct {
	entries sync.Map // [sha256.Size]byte of DER → *anchored
	count   atomic.Int64
	// parsed holds certificates of verified chains by DER hash, so that
	// chain annotations naming them are not parsed again.
	parsed sync.Map // [sha256.Size]byte → *x509.Certificate
}

// anchored is an intermediate verified to chain directly to root.
type anchored struct {
	intermediate *x509.Certificate
	root         *x509.Certificate
	// pool holds only the intermediate, used as the trust anchor of the
	// shortcut verification.
	pool *x509.CertPool
}

// verify verifies leaf for code signing at the given time against roots.
// Candidate issuers are the chain annotation's certificates (candidates)
// and the configured intermediates (configured, configuredCerts). It returns
// the verified chain, leaf first.
func (a *anchors) verify(leaf *x509.Certificate, candidates []*x509.Certificate, configured *x509.CertPool, configuredCerts []*x509.Certificate,
	roots *x509.CertPool, at time.Time, expected string) ([]*x509.Certificate, *Failure) {
	if chain := a.shortcut(leaf, candidates, at); chain != nil {
		return chain, nil
	}
	if chain := a.shortcut(leaf, configuredCerts, at); chain != nil {
		return chain, nil
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Intermediates: intermediatePool(configured, candidates),
		Roots:         roots,
		CurrentTime:   at,
		KeyUsages:     codeSigning,
	})
	if err != nil {
		return nil, fail(CheckCertificate, ReasonCertChain, expected, err.Error(),
			"veryfing leaf certificate failed: "+err.Error())
	}
	for _, c := range chains {
		a.remember(c)
	}
	return chains[0], nil
}

// shortcut verifies leaf against a remembered intermediate among the
// candidates; nil when there is none or the shortcut does not apply.
func (a *anchors) shortcut(leaf *x509.Certificate, candidates []*x509.Certificate, at time.Time) []*x509.Certificate {
	if !noPolicyConstraints(leaf) {
		return nil
	}
	for _, c := range candidates {
		if !bytes.Equal(c.RawSubject, leaf.RawIssuer) {
			continue
		}
		v, ok := a.entries.Load(sha256.Sum256(c.Raw))
		if !ok {
			continue
		}
		an := v.(*anchored)
		if at.Before(an.root.NotBefore) || at.After(an.root.NotAfter) {
			continue
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: an.pool, CurrentTime: at, KeyUsages: codeSigning}); err == nil {
			return []*x509.Certificate{leaf, an.intermediate, an.root}
		}
	}
	return nil
}

// remember records the intermediate of a verified [leaf, intermediate,
// root] chain when the shortcut is equivalent for it.
func (a *anchors) remember(chain []*x509.Certificate) {
	if len(chain) != 3 || a.count.Load() >= maxAnchoredIntermediates {
		return
	}
	intermediate, root := chain[1], chain[2]
	if !eligible(intermediate, root) {
		return
	}
	pool := x509.NewCertPool()
	pool.AddCert(intermediate)
	if _, loaded := a.entries.LoadOrStore(sha256.Sum256(intermediate.Raw), &anchored{intermediate: intermediate, root: root, pool: pool}); !loaded {
		a.count.Add(1)
	}
	a.parsed.LoadOrStore(sha256.Sum256(intermediate.Raw), intermediate)
	a.parsed.LoadOrStore(sha256.Sum256(root.Raw), root)
}

// eligible reports whether verifying a leaf against intermediate alone
// (as the trust anchor), plus checking root's validity period, accepts
// exactly when crypto/x509 accepts the chain [leaf, intermediate, root]:
//   - root's signature on intermediate, the code-signing usage of both, the
//     absence of unhandled critical extensions and root's path length (one
//     intermediate) were all checked by the full verification, and do not
//     depend on the leaf;
//   - x509 checks an intermediate's CA flag, but not an anchor's: require it;
//   - name constraints of root would apply to the leaf and policy
//     constraints are evaluated over the whole chain: require none.
func eligible(intermediate, root *x509.Certificate) bool {
	return intermediate.BasicConstraintsValid && intermediate.IsCA &&
		noNameConstraints(intermediate) && noNameConstraints(root) &&
		noPolicyConstraints(intermediate) && noPolicyConstraints(root)
}

func noNameConstraints(c *x509.Certificate) bool {
	return len(c.PermittedDNSDomains) == 0 && len(c.ExcludedDNSDomains) == 0 &&
		len(c.PermittedIPRanges) == 0 && len(c.ExcludedIPRanges) == 0 &&
		len(c.PermittedEmailAddresses) == 0 && len(c.ExcludedEmailAddresses) == 0 &&
		len(c.PermittedURIDomains) == 0 && len(c.ExcludedURIDomains) == 0
}

func noPolicyConstraints(c *x509.Certificate) bool {
	return len(c.PolicyMappings) == 0 &&
		c.RequireExplicitPolicy == 0 && !c.RequireExplicitPolicyZero &&
		c.InhibitPolicyMapping == 0 && !c.InhibitPolicyMappingZero &&
		c.InhibitAnyPolicy == 0 && !c.InhibitAnyPolicyZero
}

// parseCertificates decodes PEM certificates exactly as
// cryptoutils.UnmarshalCertificatesFromPEM does (same framing, same errors),
// reusing certificates of already verified chains instead of parsing them.
func (a *anchors) parseCertificates(pemBytes []byte) ([]*x509.Certificate, error) {
	result := []*x509.Certificate{}
	remaining := bytes.TrimSpace(pemBytes)
	for len(remaining) > 0 {
		var block *pem.Block
		block, remaining = pem.Decode(remaining)
		if block == nil {
			return nil, errors.New("error during PEM decoding")
		}
		if c, ok := a.parsed.Load(sha256.Sum256(block.Bytes)); ok {
			result = append(result, c.(*x509.Certificate))
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		result = append(result, cert)
	}
	return result, nil
}
