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
	roots   *x509.CertPool
	issuer  string
	email   string
	anchors *anchors
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
	return &fulcioRoot{roots: roots, issuer: f.OIDCIssuer, email: f.SubjectEmail, anchors: &anchors{}}, nil
}

// verify checks a Fulcio leaf (and optional chain) at the Rekor integration
// time: chain to the CA for code signing, OIDC issuer, subject email. It
// returns a verifier for the leaf's key.
func (f *fulcioRoot) verify(at time.Time, untrustedLeafPEM, untrustedChainPEM []byte, steps *[]Step) (sigsig.Verifier, *Failure) {
	candidates, err := f.anchors.chainCandidates(untrustedChainPEM)
	if err != nil {
		return nil, err
	}
	leaf, err := parseLeaf(untrustedLeafPEM)
	if err != nil {
		return nil, err
	}
	ignoreCriticalSAN(leaf)
	expected := "chains to the Fulcio CA for code signing at " + at.UTC().Format(time.RFC3339)
	if _, err := f.anchors.verify(leaf, candidates, nil, nil, f.roots, at, expected); err != nil {
		return nil, err
	}
	*steps = append(*steps, Step{Name: string(CheckCertificate), Passed: true, Expected: expected, Got: describeCert(leaf)})

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
	return certificateVerifier(leaf.PublicKey)
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
