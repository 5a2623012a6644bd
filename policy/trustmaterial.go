package policy

import (
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"

	configv1 "github.com/openshift/api/config/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TrustMaterialErrors reports key and certificate data of a valid object
// that the API server accepts — it checks only PEM markers, marker counts and
// lengths — but that the containers library on the node cannot load. The
// checks are the library's own (cryptoutils for keys, x509 pools for CAs,
// ECDSA-only Rekor keys); such a policy denies every pull under its scopes.
func (o *Object) TrustMaterialErrors() []*FieldError {
	if !o.Valid() {
		return nil
	}
	rot := o.Policy.RootOfTrust
	p := field.NewPath("spec", "policy", "rootOfTrust")
	var errs field.ErrorList
	add := func(path *field.Path, err error) {
		if err != nil {
			errs = append(errs, field.Invalid(path, field.OmitValueType{}, "accepted by the API server but unusable on the node: "+err.Error()))
		}
	}
	switch rot.PolicyType {
	case configv1.PublicKeyRootOfTrust:
		_, err := cryptoutils.UnmarshalPEMToPublicKey(rot.PublicKey.KeyData)
		add(p.Child("publicKey", "keyData"), err)
		if len(rot.PublicKey.RekorKeyData) > 0 {
			add(p.Child("publicKey", "rekorKeyData"), rekorKeyError(rot.PublicKey.RekorKeyData))
		}
	case configv1.FulcioCAWithRekorRootOfTrust:
		if !x509.NewCertPool().AppendCertsFromPEM(rot.FulcioCAWithRekor.FulcioCAData) {
			add(p.Child("fulcioCAWithRekor", "fulcioCAData"), fmt.Errorf("error loading Fulcio CA certificates"))
		}
		add(p.Child("fulcioCAWithRekor", "rekorKeyData"), rekorKeyError(rot.FulcioCAWithRekor.RekorKeyData))
	case configv1.PKIRootOfTrust:
		if !x509.NewCertPool().AppendCertsFromPEM(rot.PKI.CertificateAuthorityRootsData) {
			add(p.Child("pki", "caRootsData"), fmt.Errorf("error loading PKI CA Roots certificates"))
		}
		if len(rot.PKI.CertificateAuthorityIntermediatesData) > 0 {
			if _, err := cryptoutils.UnmarshalCertificatesFromPEM(rot.PKI.CertificateAuthorityIntermediatesData); err != nil {
				add(p.Child("pki", "caIntermediatesData"), fmt.Errorf("loading trusted intermediate certificates: %w", err))
			}
		}
	}
	return fieldErrors(o.Source, string(o.Kind), o.Meta.Namespace, o.Meta.Name, o.apiObject, errs)
}

func rekorKeyError(data []byte) error {
	pk, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return fmt.Errorf("parsing Rekor public key: %w", err)
	}
	if _, ok := pk.(*ecdsa.PublicKey); !ok {
		return fmt.Errorf("Rekor public key is not using ECDSA")
	}
	return nil
}
