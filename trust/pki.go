package trust

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// pkiRoot is a compiled "pki" (bring your own PKI) trust root.
type pkiRoot struct {
	roots         *x509.CertPool
	intermediates *x509.CertPool // trusted intermediates; nil if none configured
	// intermediateCerts are the certificates of intermediates.
	intermediateCerts []*x509.Certificate
	// rootCerts are the certificates of roots.
	rootCerts []*x509.Certificate
	anchors   *anchors
	memo      *certMemo
	email     string
	hostname  string
}

func compilePKI(p *node.PKIRoot) (*pkiRoot, error) {
	rootPEMs, err := loadSources(`Internal inconsistency: both "caRootsPath" and "caRootsData" specified`, p.CARootsPath, nil, p.CARootsData, nil)
	if err != nil {
		return nil, err
	}
	if len(rootPEMs) != 1 {
		return nil, errors.New(`Internal inconsistency: PKI specified with not exactly one of "caRootsPath" nor "caRootsData"`)
	}
	res := &pkiRoot{roots: x509.NewCertPool(), email: p.SubjectEmail, hostname: p.SubjectHostname, anchors: &anchors{}, memo: newCertMemo()}
	if !res.roots.AppendCertsFromPEM(rootPEMs[0]) {
		return nil, errors.New("error loading PKI CA Roots certificates")
	}
	res.rootCerts = poolCertificates(rootPEMs[0])
	intermediatePEMs, err := loadSources(`Internal inconsistency: both "caIntermediatesPath" and "caIntermediatesData" specified`,
		p.CAIntermediatesPath, nil, p.CAIntermediatesData, nil)
	if err != nil {
		return nil, err
	}
	if intermediatePEMs != nil {
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM(intermediatePEMs[0])
		if err != nil {
			return nil, fmt.Errorf("loading trusted intermediate certificates: %v", err)
		}
		res.intermediates = x509.NewCertPool()
		for _, c := range certs {
			res.intermediates.AddCert(c)
		}
		res.intermediateCerts = certs
	}
	if res.email == "" && res.hostname == "" {
		return nil, errors.New("Internal inconsistency: PKI use set up without subject email or subject hostname")
	}
	return res, nil
}

// verify checks a leaf (and optional chain) against the PKI roots at now for
// code signing, then the subject email and/or hostname. It returns a
// verifier for the leaf's key and the earliest NotAfter of the verified chain.
// A certificate verified before is not verified again where the memo shows
// the verification would repeat itself.
func (p *pkiRoot) verify(now time.Time, untrustedLeafPEM, untrustedChainPEM []byte, steps *[]Step) (sigsig.Verifier, time.Time, *Failure) {
	expected := "chains to the PKI roots for code signing at " + now.UTC().Format(time.RFC3339)
	key := newCertKey(untrustedLeafPEM, untrustedChainPEM)
	if known := p.memo.lookup(key, now); known != nil {
		return known.replay(expected, steps), known.validUntil, nil
	}
	candidates, err := p.anchors.chainCandidates(untrustedChainPEM)
	if err != nil {
		return nil, time.Time{}, err
	}
	leaf, err := parseLeaf(untrustedLeafPEM)
	if err != nil {
		return nil, time.Time{}, err
	}
	chain, err := p.anchors.verify(leaf, candidates, p.intermediates, p.intermediateCerts, p.roots, now, expected)
	if err != nil {
		return nil, time.Time{}, err
	}
	notAfter := earliestNotAfter(chain)
	description := describeCert(leaf)
	*steps = append(*steps, Step{Name: string(CheckCertificate), Passed: true, Expected: expected, Got: description})
	identityFrom := len(*steps)

	if p.email != "" {
		if err := matchEmail(leaf, p.email); err != nil {
			return nil, time.Time{}, err
		}
		*steps = append(*steps, Step{Name: string(CheckSubjectEmail), Passed: true, Expected: p.email, Got: fmt.Sprintf("%q", leaf.EmailAddresses)})
	}
	if p.hostname != "" {
		if err := leaf.VerifyHostname(p.hostname); err != nil {
			return nil, time.Time{}, fail(CheckSubjectHostname, ReasonHostnameMismatch, p.hostname, strings.Join(leaf.DNSNames, ", "),
				fmt.Sprintf("Unexpected subject hostname: %v", err))
		}
		*steps = append(*steps, Step{Name: string(CheckSubjectHostname), Passed: true, Expected: p.hostname, Got: strings.Join(leaf.DNSNames, ", ")})
	}
	v, f := certificateVerifier(leaf.PublicKey)
	if f != nil {
		return nil, time.Time{}, f
	}
	p.memo.store(key, now, &verifiedCert{
		examinable:  examinableAt(now, []*x509.Certificate{leaf}, candidates, p.intermediateCerts, p.rootCerts),
		description: description,
		identity:    slices.Clone((*steps)[identityFrom:]),
		verifier:    v,
		validUntil:  notAfter,
	})
	return v, notAfter, nil
}
