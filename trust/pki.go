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

// RootPKI trusts certificates a private CA (BYOPKI) issued to a subject
// email and/or hostname.
const RootPKI RootKind = "pki"

// pkiRoot is a compiled node.PKIRoot.
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

// compilePKI loads the roots, then the intermediates, as the library does.
func compilePKI(p node.PKIRoot) (*pkiRoot, error) {
	rootsPEM, err := readCerts(p.CARoots, "PKI CA roots")
	if err != nil {
		return nil, err
	}
	res := &pkiRoot{roots: x509.NewCertPool(), email: p.SubjectEmail, hostname: p.SubjectHostname, anchors: &anchors{}, memo: newCertMemo()}
	if !res.roots.AppendCertsFromPEM(rootsPEM) {
		return nil, errors.New("error loading PKI CA Roots certificates")
	}
	res.rootCerts = poolCertificates(rootsPEM)
	if p.CAIntermediates != nil {
		intermediatesPEM, err := readCerts(p.CAIntermediates, "PKI CA intermediates")
		if err != nil {
			return nil, err
		}
		certs, err := cryptoutils.UnmarshalCertificatesFromPEM(intermediatesPEM)
		if err != nil {
			return nil, fmt.Errorf("loading trusted intermediate certificates: %v", err)
		}
		res.intermediates = x509.NewCertPool()
		for _, c := range certs {
			res.intermediates.AddCert(c)
		}
		res.intermediateCerts = certs
	}
	// The parser refuses a PKI root without a subject; a PKIRoot built in Go
	// may lack one, and would then accept any certificate of the CA, which
	// the library refuses to configure.
	if res.email == "" && res.hostname == "" {
		return nil, errors.New("PKI root without subject email or subject hostname")
	}
	return res, nil
}

func (p *pkiRoot) kind() RootKind { return RootPKI }

// vouch checks the certificate at the time of the decision and its
// subject; the verdict holds until the verified chain expires.
func (p *pkiRoot) vouch(sig layer, steps []Step) (vouched, *Failure) {
	cert, ok := sig.untrustedAnnotations[CertificateAnnotation]
	if !ok {
		return vouched{steps: steps}, missing(CertificateAnnotation)
	}
	v, notAfter, f := p.verify(sig.now, []byte(cert), []byte(sig.untrustedAnnotations[ChainAnnotation]), &steps)
	if f != nil {
		return vouched{steps: steps}, f
	}
	return vouched{steps: steps, cert: v, validUntil: notAfter}, nil
}

// fingerprint keeps the empty Rekor section of earlier versions, so that a
// PKI root's fingerprint did not change when roots got their own types.
func (p *pkiRoot) fingerprint(field func([]byte)) bool {
	(*rekorKeys)(nil).fingerprint(field)
	field([]byte("pki"))
	certs(field, p.rootCerts)
	field([]byte("intermediates"))
	certs(field, p.intermediateCerts)
	field([]byte(p.email))
	field([]byte(p.hostname))
	return true
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
