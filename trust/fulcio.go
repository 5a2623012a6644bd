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

// fulcioRoot is a compiled "fulcio" trust root.
type fulcioRoot struct {
	roots *x509.CertPool
	// rootCerts are the certificates of roots.
	rootCerts []*x509.Certificate
	issuer    string
	email     string
	anchors   *anchors
	memo      *certMemo
}

func compileFulcio(f *node.FulcioRoot) (*fulcioRoot, error) {
	caPEMs, err := loadSources(`Internal inconsistency: both "caPath" and "caData" specified`, f.CAPath, nil, f.CAData, nil)
	if err != nil {
		return nil, err
	}
	if len(caPEMs) != 1 {
		return nil, errors.New(`Internal inconsistency: Fulcio specified with not exactly one of "caPath" nor "caData"`)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEMs[0]) {
		return nil, errors.New("error loading Fulcio CA certificates")
	}
	if f.OIDCIssuer == "" {
		return nil, errors.New("Internal inconsistency: Fulcio use set up without OIDC issuer")
	}
	if f.SubjectEmail == "" {
		return nil, errors.New("Internal inconsistency: Fulcio use set up without subject email")
	}
	return &fulcioRoot{roots: roots, rootCerts: poolCertificates(caPEMs[0]), issuer: f.OIDCIssuer, email: f.SubjectEmail,
		anchors: &anchors{}, memo: newCertMemo()}, nil
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
