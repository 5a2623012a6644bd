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
	switch root := s.Root.(type) {
	case PublicKeyRoot:
		opts = append(opts, keyOptions(root.Keys, signature.PRSigstoreSignedWithKeyPath, signature.PRSigstoreSignedWithKeyPaths,
			signature.PRSigstoreSignedWithKeyData, signature.PRSigstoreSignedWithKeyDatas)...)
		opts = append(opts, rekorOptions(root.Rekor)...)
	case FulcioRoot:
		var fo []signature.PRSigstoreSignedFulcioOption
		switch ca := root.CA.(type) {
		case PEMPath:
			fo = append(fo, signature.PRSigstoreSignedFulcioWithCAPath(string(ca)))
		case PEMData:
			fo = append(fo, signature.PRSigstoreSignedFulcioWithCAData(ca))
		}
		fo = append(fo, signature.PRSigstoreSignedFulcioWithOIDCIssuer(root.OIDCIssuer), signature.PRSigstoreSignedFulcioWithSubjectEmail(root.SubjectEmail))
		lf, err := signature.NewPRSigstoreSignedFulcio(fo...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, signature.PRSigstoreSignedWithFulcio(lf))
		opts = append(opts, rekorOptions(root.Rekor)...)
	case PKIRoot:
		var po []signature.PRSigstoreSignedPKIOption
		switch ca := root.CARoots.(type) {
		case PEMPath:
			po = append(po, signature.PRSigstoreSignedPKIWithCARootsPath(string(ca)))
		case PEMData:
			po = append(po, signature.PRSigstoreSignedPKIWithCARootsData(ca))
		}
		switch ca := root.CAIntermediates.(type) {
		case PEMPath:
			po = append(po, signature.PRSigstoreSignedPKIWithCAIntermediatesPath(string(ca)))
		case PEMData:
			po = append(po, signature.PRSigstoreSignedPKIWithCAIntermediatesData(ca))
		}
		if root.SubjectEmail != "" {
			po = append(po, signature.PRSigstoreSignedPKIWithSubjectEmail(root.SubjectEmail))
		}
		if root.SubjectHostname != "" {
			po = append(po, signature.PRSigstoreSignedPKIWithSubjectHostname(root.SubjectHostname))
		}
		lp, err := signature.NewPRSigstoreSignedPKI(po...)
		if err != nil {
			return nil, err
		}
		opts = append(opts, signature.PRSigstoreSignedWithPKI(lp))
	default:
		return nil, fmt.Errorf("no root of trust: %T", s.Root)
	}
	return signature.NewPRSigstoreSigned(opts...)
}

func rekorOptions(src KeySource) []signature.PRSigstoreSignedOption {
	return keyOptions(src, signature.PRSigstoreSignedWithRekorPublicKeyPath, signature.PRSigstoreSignedWithRekorPublicKeyPaths,
		signature.PRSigstoreSignedWithRekorPublicKeyData, signature.PRSigstoreSignedWithRekorPublicKeyDatas)
}

// keyOptions converts a key source with the option constructor of its
// spelling; none for a nil source.
func keyOptions(src KeySource, path func(string) signature.PRSigstoreSignedOption, paths func([]string) signature.PRSigstoreSignedOption,
	data func([]byte) signature.PRSigstoreSignedOption, datas func([][]byte) signature.PRSigstoreSignedOption) []signature.PRSigstoreSignedOption {
	switch s := src.(type) {
	case PEMPath:
		return []signature.PRSigstoreSignedOption{path(string(s))}
	case PEMPaths:
		return []signature.PRSigstoreSignedOption{paths(s)}
	case PEMData:
		return []signature.PRSigstoreSignedOption{data(s)}
	case PEMDatas:
		return []signature.PRSigstoreSignedOption{datas(s)}
	}
	return nil
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
