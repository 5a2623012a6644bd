package trust

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sigstore/fulcio/pkg/certificate"
	sigsig "github.com/sigstore/sigstore/pkg/signature"

	"github.com/sigpolicy/sigpolicy/policy/node"
)

// RootFulcio trusts certificates a Fulcio CA issued to one OIDC identity,
// recorded in Rekor.
const RootFulcio RootKind = "fulcio"

// fulcioRoot is a compiled node.FulcioRoot.
type fulcioRoot struct {
	roots *x509.CertPool
	// rootCerts are the certificates of roots.
	rootCerts []*x509.Certificate
	issuer    string
	email     string
	rekor     *rekorKeys
	anchors   *anchors
	memo      *certMemo
}

// compileFulcio loads the CA, then the Rekor keys, as the library does.
func compileFulcio(f node.FulcioRoot) (*fulcioRoot, error) {
	caPEM, err := readCerts(f.CA, "Fulcio CA certificates")
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("error loading Fulcio CA certificates")
	}
	// The parser refuses empty values; a FulcioRoot built in Go may hold
	// them, and would then accept a certificate with an empty issuer or
	// email, which the library refuses to configure.
	if f.OIDCIssuer == "" {
		return nil, errors.New("Fulcio root without OIDC issuer")
	}
	if f.SubjectEmail == "" {
		return nil, errors.New("Fulcio root without subject email")
	}
	rekor, err := compileRekorKeys(f.Rekor)
	if err != nil {
		return nil, err
	}
	return &fulcioRoot{roots: roots, rootCerts: poolCertificates(caPEM), issuer: f.OIDCIssuer, email: f.SubjectEmail,
		rekor: rekor, anchors: &anchors{}, memo: newCertMemo()}, nil
}

func (f *fulcioRoot) kind() RootKind { return RootFulcio }

// vouch checks the SET, that it records this certificate and signature,
// then the certificate at the SET's integration time and its identity.
func (f *fulcioRoot) vouch(sig layer, steps []Step) (vouched, *Failure) {
	set, ok := sig.untrustedAnnotations[SETAnnotation]
	if !ok {
		return vouched{steps: steps}, missing(SETAnnotation)
	}
	cert, ok := sig.untrustedAnnotations[CertificateAnnotation]
	if !ok {
		return vouched{steps: steps}, missing(CertificateAnnotation)
	}
	entry, fl := f.rekor.verifySET([]byte(set))
	if fl == nil {
		fl = entry.matchCertificatePEM([]byte(cert))
	}
	if fl == nil {
		fl = entry.matchSignature(sig.untrustedB64Signature, sig.untrustedPayload)
	}
	if fl != nil {
		return vouched{steps: steps}, fl
	}
	steps = append(steps, entry.step())
	v, fl := f.verify(entry.integratedTime, []byte(cert), []byte(sig.untrustedAnnotations[ChainAnnotation]), &steps)
	if fl != nil {
		return vouched{steps: steps}, fl
	}
	return vouched{steps: steps, cert: v}, nil
}

func (f *fulcioRoot) fingerprint(field func([]byte)) bool {
	if !f.rekor.fingerprint(field) {
		return false
	}
	field([]byte("fulcio"))
	certs(field, f.rootCerts)
	field([]byte(f.issuer))
	field([]byte(f.email))
	return true
}

// verify checks a Fulcio leaf (and optional chain) at the Rekor integration
// time: chain to the CA for code signing, OIDC issuer, subject email. It
// returns a verifier for the leaf's key. A certificate verified before (the
// same signature verified again, or a certificate that signed several
// images) is not verified again where the memo shows the verification would
// repeat itself.
func (f *fulcioRoot) verify(at time.Time, untrustedLeafPEM, untrustedChainPEM []byte, steps *[]Step) (sigsig.Verifier, *Failure) {
	expected := "chains to the Fulcio CA for code signing at " + at.UTC().Format(time.RFC3339)
	key := newCertKey(untrustedLeafPEM, untrustedChainPEM)
	if known := f.memo.lookup(key, at); known != nil {
		return known.replay(expected, steps), nil
	}
	candidates, err := f.anchors.chainCandidates(untrustedChainPEM)
	if err != nil {
		return nil, err
	}
	leaf, err := parseLeaf(untrustedLeafPEM)
	if err != nil {
		return nil, err
	}
	ignoreCriticalSAN(leaf)
	if _, err := f.anchors.verify(leaf, candidates, nil, nil, f.roots, at, expected); err != nil {
		return nil, err
	}
	description := describeCert(leaf)
	*steps = append(*steps, Step{Name: string(CheckCertificate), Passed: true, Expected: expected, Got: description})
	identityFrom := len(*steps)

	issuer, err := fulcioIssuer(leaf)
	if err != nil {
		return nil, err
	}
	if issuer != f.issuer {
		return nil, fail(CheckOIDCIssuer, ReasonIssuerMismatch, f.issuer, issuer,
			fmt.Sprintf("Unexpected Fulcio OIDC issuer %q", issuer))
	}
	*steps = append(*steps, Step{Name: string(CheckOIDCIssuer), Passed: true, Expected: f.issuer, Got: issuer})

	if err := matchEmail(leaf, f.email); err != nil {
		return nil, err
	}
	*steps = append(*steps, Step{Name: string(CheckSubjectEmail), Passed: true, Expected: f.email, Got: fmt.Sprintf("%q", leaf.EmailAddresses)})
	v, err := certificateVerifier(leaf.PublicKey)
	if err != nil {
		return nil, err
	}
	f.memo.store(key, at, &verifiedCert{
		examinable:  examinableAt(at, []*x509.Certificate{leaf}, candidates, f.rootCerts),
		description: description,
		identity:    slices.Clone((*steps)[identityFrom:]),
		verifier:    v,
	})
	return v, nil
}

// fulcioIssuer returns the OIDC issuer Fulcio recorded in the certificate:
// extension 1.3.6.1.4.1.57264.1.1 (raw string) and/or .1.8 (ASN.1 string),
// which must agree when both are present.
func fulcioIssuer(leaf *x509.Certificate) (string, *Failure) {
	var v1, v2 string
	got1, got2 := false, false
	for _, ext := range leaf.Extensions {
		switch {
		case ext.Id.Equal(certificate.OIDIssuer): //nolint:staticcheck // deprecated, but Fulcio still issues it and the library accepts it
			if got1 {
				return "", issuerFailure("", "Fulcio certificate has a duplicate OIDC issuer v1 extension")
			}
			v1, got1 = string(ext.Value), true
		case ext.Id.Equal(certificate.OIDIssuerV2):
			if got2 {
				return "", issuerFailure("", "Fulcio certificate has a duplicate OIDC issuer v2 extension")
			}
			rest, err := asn1.Unmarshal(ext.Value, &v2)
			if err != nil {
				return "", issuerFailure("", fmt.Sprintf("invalid ASN.1 in OIDC issuer v2 extension: %v", err))
			}
			if len(rest) != 0 {
				return "", issuerFailure("", "invalid ASN.1 in OIDC issuer v2 extension, trailing data")
			}
			got2 = true
		}
	}
	switch {
	case got1 && got2:
		if v1 != v2 {
			return "", issuerFailure(fmt.Sprintf("v1 %q, v2 %q", v1, v2),
				fmt.Sprintf("inconsistent OIDC issuer extension values: v1 %#v, v2 %#v", v1, v2))
		}
		return v1, nil
	case got1:
		return v1, nil
	case got2:
		return v2, nil
	default:
		return "", issuerFailure("no issuer extension", "Fulcio certificate is missing the issuer extension")
	}
}

func issuerFailure(got, msg string) *Failure {
	return fail(CheckOIDCIssuer, ReasonIssuerMismatch, "one consistent OIDC issuer extension", got, msg)
}

func matchEmail(leaf *x509.Certificate, email string) *Failure {
	if !slices.Contains(leaf.EmailAddresses, email) {
		return fail(CheckSubjectEmail, ReasonEmailMismatch, email, fmt.Sprintf("%q", leaf.EmailAddresses),
			fmt.Sprintf("Required email %q not found (got %q)", email, leaf.EmailAddresses))
	}
	return nil
}
