package node

import (
	"fmt"

	"go.podman.io/image/v5/signature"
)

// toLibrary rebuilds p with the library's public constructors, so a parsed
// policy can be compared with what signature.NewPolicyFromBytes returns for
// the same bytes (both marshalled with the library's own JSON encoders).
func toLibrary(p *Policy) (*signature.Policy, error) {
	def, err := requirementsToLibrary(p.Default)
	if err != nil {
		return nil, err
	}
	out := &signature.Policy{Default: def, Transports: map[string]signature.PolicyTransportScopes{}}
	for name, scopes := range p.Transports {
		ts := signature.PolicyTransportScopes{}
		for scope, reqs := range scopes {
			if ts[scope], err = requirementsToLibrary(reqs); err != nil {
				return nil, err
			}
		}
		out.Transports[name] = ts
	}
	return out, nil
}

func requirementsToLibrary(reqs Requirements) (signature.PolicyRequirements, error) {
	var out signature.PolicyRequirements
	for _, r := range reqs {
		lr, err := requirementToLibrary(r)
		if err != nil {
			return nil, err
		}
		out = append(out, lr)
	}
	return out, nil
}

func requirementToLibrary(r Requirement) (signature.PolicyRequirement, error) {
	switch r.Type {
	case InsecureAcceptAnything:
		return signature.NewPRInsecureAcceptAnything(), nil
	case Reject:
		return signature.NewPRReject(), nil
	case SignedBaseLayer:
		id, err := identityToLibrary(r.SignedBaseLayer.BaseLayerIdentity)
		if err != nil {
			return nil, err
		}
		return signature.NewPRSignedBaseLayer(id)
	case SignedBy:
		sb := r.SignedBy
		id, err := identityToLibrary(sb.SignedIdentity)
		if err != nil {
			return nil, err
		}
		kt := signature.SBKeyTypeGPGKeys // the library's key type is unexported: start from a constant
		switch sb.KeyType {
		case "signedByGPGKeys":
			kt = signature.SBKeyTypeSignedByGPGKeys
		case "X509Certificates":
			kt = signature.SBKeyTypeX509Certificates
		case "signedByX509CAs":
			kt = signature.SBKeyTypeSignedByX509CAs
		}
		switch {
		case sb.KeyPath != "":
			return signature.NewPRSignedByKeyPath(kt, sb.KeyPath, id)
		case sb.KeyPaths != nil:
			return signature.NewPRSignedByKeyPaths(kt, sb.KeyPaths, id)
		default:
			return signature.NewPRSignedByKeyData(kt, sb.KeyData, id)
		}
	case SigstoreSigned:
		return sigstoreToLibrary(r.Sigstore)
	}
	return nil, fmt.Errorf("unknown requirement type %q", r.Type)
}

func sigstoreToLibrary(s *SigstoreRequirement) (signature.PolicyRequirement, error) {
	id, err := identityToLibrary(s.SignedIdentity)
	if err != nil {
		return nil, err
	}
	opts := []signature.PRSigstoreSignedOption{signature.PRSigstoreSignedWithSignedIdentity(id)}
	add := func(cond bool, o signature.PRSigstoreSignedOption) {
		if cond {
			opts = append(opts, o)
		}
	}
	add(s.KeyPath != "", signature.PRSigstoreSignedWithKeyPath(s.KeyPath))
	add(s.KeyPaths != nil, signature.PRSigstoreSignedWithKeyPaths(s.KeyPaths))
	add(s.KeyData != nil, signature.PRSigstoreSignedWithKeyData(s.KeyData))
	add(s.KeyDatas != nil, signature.PRSigstoreSignedWithKeyDatas(s.KeyDatas))
	add(s.RekorPublicKeyPath != "", signature.PRSigstoreSignedWithRekorPublicKeyPath(s.RekorPublicKeyPath))
	add(s.RekorPublicKeyPaths != nil, signature.PRSigstoreSignedWithRekorPublicKeyPaths(s.RekorPublicKeyPaths))
	add(s.RekorPublicKeyData != nil, signature.PRSigstoreSignedWithRekorPublicKeyData(s.RekorPublicKeyData))
	add(s.RekorPublicKeyDatas != nil, signature.PRSigstoreSignedWithRekorPublicKeyDatas(s.RekorPublicKeyDatas))
	if f := s.Fulcio; f != nil {
		var fo []signature.PRSigstoreSignedFulcioOption
		if f.CAPath != "" {
			fo = append(fo, signature.PRSigstoreSignedFulcioWithCAPath(f.CAPath))
		}
		if f.CAData != nil {
			fo = append(fo, signature.PRSigstoreSignedFulcioWithCAData(f.CAData))
		}
		fo = append(fo, signature.PRSigstoreSignedFulcioWithOIDCIssuer(f.OIDCIssuer), signature.PRSigstoreSignedFulcioWithSubjectEmail(f.SubjectEmail))
		lf, err := signature.NewPRSigstoreSignedFulcio(fo...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, signature.PRSigstoreSignedWithFulcio(lf))
	}
	if p := s.PKI; p != nil {
		var po []signature.PRSigstoreSignedPKIOption
		if p.CARootsPath != "" {
			po = append(po, signature.PRSigstoreSignedPKIWithCARootsPath(p.CARootsPath))
		}
		if p.CARootsData != nil {
			po = append(po, signature.PRSigstoreSignedPKIWithCARootsData(p.CARootsData))
		}
		if p.CAIntermediatesPath != "" {
			po = append(po, signature.PRSigstoreSignedPKIWithCAIntermediatesPath(p.CAIntermediatesPath))
		}
		if p.CAIntermediatesData != nil {
			po = append(po, signature.PRSigstoreSignedPKIWithCAIntermediatesData(p.CAIntermediatesData))
		}
		if p.SubjectEmail != "" {
			po = append(po, signature.PRSigstoreSignedPKIWithSubjectEmail(p.SubjectEmail))
		}
		if p.SubjectHostname != "" {
			po = append(po, signature.PRSigstoreSignedPKIWithSubjectHostname(p.SubjectHostname))
		}
		lp, err := signature.NewPRSigstoreSignedPKI(po...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, signature.PRSigstoreSignedWithPKI(lp))
	}
	return signature.NewPRSigstoreSigned(opts...)
}

func identityToLibrary(id Identity) (signature.PolicyReferenceMatch, error) {
	switch id.Type {
	case MatchExact:
		return signature.NewPRMMatchExact(), nil
	case MatchRepoDigestOrExact:
		return signature.NewPRMMatchRepoDigestOrExact(), nil
	case MatchRepository:
		return signature.NewPRMMatchRepository(), nil
	case ExactReference:
		return signature.NewPRMExactReference(id.DockerReference)
	case ExactRepository:
		return signature.NewPRMExactRepository(id.DockerRepository)
	case RemapIdentity:
		return signature.NewPRMRemapIdentity(id.Prefix, id.SignedPrefix)
	}
	return nil, fmt.Errorf("unknown identity type %q", id.Type)
}
