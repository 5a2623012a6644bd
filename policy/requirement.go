package policy

import (
	"fmt"

	configv1 "github.com/openshift/api/config/v1"
	"go.podman.io/image/v5/signature"
)

// requirement builds the sigstoreSigned requirement of one policy with the
// library's own constructors, as the MCO's policyItemFromSpec does, so that
// it marshals byte-for-byte like the MCO's output.
func requirement(p configv1.ImageSigstoreVerificationPolicy) (signature.PolicyRequirement, error) {
	var opts []signature.PRSigstoreSignedOption
	rot := p.RootOfTrust
	switch rot.PolicyType {
	case configv1.PublicKeyRootOfTrust:
		opts = append(opts, signature.PRSigstoreSignedWithKeyData(rot.PublicKey.KeyData))
		if len(rot.PublicKey.RekorKeyData) > 0 {
			opts = append(opts, signature.PRSigstoreSignedWithRekorPublicKeyData(rot.PublicKey.RekorKeyData))
		}
	case configv1.FulcioCAWithRekorRootOfTrust:
		f := rot.FulcioCAWithRekor
		fulcio, err := signature.NewPRSigstoreSignedFulcio(
			signature.PRSigstoreSignedFulcioWithCAData(f.FulcioCAData),
			signature.PRSigstoreSignedFulcioWithOIDCIssuer(f.FulcioSubject.OIDCIssuer),
			signature.PRSigstoreSignedFulcioWithSubjectEmail(f.FulcioSubject.SignedEmail))
		if err != nil {
			return nil, err
		}
		opts = append(opts, signature.PRSigstoreSignedWithFulcio(fulcio),
			signature.PRSigstoreSignedWithRekorPublicKeyData(f.RekorKeyData))
	case configv1.PKIRootOfTrust:
		k := rot.PKI
		pkiOpts := []signature.PRSigstoreSignedPKIOption{signature.PRSigstoreSignedPKIWithCARootsData(k.CertificateAuthorityRootsData)}
		if len(k.CertificateAuthorityIntermediatesData) > 0 {
			pkiOpts = append(pkiOpts, signature.PRSigstoreSignedPKIWithCAIntermediatesData(k.CertificateAuthorityIntermediatesData))
		}
		if k.PKICertificateSubject.Email != "" {
			pkiOpts = append(pkiOpts, signature.PRSigstoreSignedPKIWithSubjectEmail(k.PKICertificateSubject.Email))
		}
		if k.PKICertificateSubject.Hostname != "" {
			pkiOpts = append(pkiOpts, signature.PRSigstoreSignedPKIWithSubjectHostname(k.PKICertificateSubject.Hostname))
		}
		pki, err := signature.NewPRSigstoreSignedPKI(pkiOpts...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, signature.PRSigstoreSignedWithPKI(pki))
	default:
		return nil, fmt.Errorf("unknown policyType %q", rot.PolicyType)
	}
	identity, err := signedIdentity(p.SignedIdentity)
	if err != nil {
		return nil, err
	}
	opts = append(opts, signature.PRSigstoreSignedWithSignedIdentity(identity))
	return signature.NewPRSigstoreSigned(opts...)
}

// signedIdentity maps matchPolicy; an omitted signedIdentity is
// matchRepoDigestOrExact.
func signedIdentity(id *configv1.PolicyIdentity) (signature.PolicyReferenceMatch, error) {
	if id == nil {
		return signature.NewPRMMatchRepoDigestOrExact(), nil
	}
	switch id.MatchPolicy {
	case configv1.IdentityMatchPolicyRemapIdentity:
		r := id.PolicyMatchRemapIdentity
		m, err := signature.NewPRMRemapIdentity(string(r.Prefix), string(r.SignedPrefix))
		if err != nil {
			return nil, fmt.Errorf("error getting signedIdentity for %s: %v", id.MatchPolicy, err)
		}
		return m, nil
	case configv1.IdentityMatchPolicyExactRepository:
		m, err := signature.NewPRMExactRepository(string(id.PolicyMatchExactRepository.Repository))
		if err != nil {
			return nil, fmt.Errorf("error getting signedIdentity for %s: %v", id.MatchPolicy, err)
		}
		return m, nil
	case configv1.IdentityMatchPolicyMatchRepository:
		return signature.NewPRMMatchRepository(), nil
	case configv1.IdentityMatchPolicyMatchRepoDigestOrExact, "":
		return signature.NewPRMMatchRepoDigestOrExact(), nil
	}
	return nil, fmt.Errorf("unknown signedIdentity match policy: %s", id.MatchPolicy)
}
