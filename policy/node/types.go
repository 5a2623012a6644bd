package node

// The types below hold a policy.json exactly as written: paths are kept as
// paths (they are read when the policy is compiled by package trust), and a
// value the library treats as absent is the zero value here.

// Policy is a parsed containers-policy.json.
type Policy struct {
	// Default applies when no transport scope matches.
	Default Requirements
	// Transports maps a transport name ("docker", "atomic", "docker-daemon", …)
	// to its scopes; each scope maps to the requirements for images in it.
	Transports map[string]map[string]Requirements
}

// Requirements are ANDed: every one must accept the image. Never empty in a
// parsed Policy.
type Requirements []Requirement

// RequirementType names a policy requirement as policy.json spells it.
type RequirementType string

const (
	InsecureAcceptAnything RequirementType = "insecureAcceptAnything"
	Reject                 RequirementType = "reject"
	SignedBy               RequirementType = "signedBy"
	SignedBaseLayer        RequirementType = "signedBaseLayer"
	SigstoreSigned         RequirementType = "sigstoreSigned"
)

// Requirement is one element of a requirement list. Exactly the member that
// matches Type is set (none for insecureAcceptAnything and reject).
type Requirement struct {
	Type            RequirementType
	SignedBy        *SignedByRequirement
	SignedBaseLayer *SignedBaseLayerRequirement
	Sigstore        *SigstoreRequirement
}

// SignedByRequirement is a "signedBy" (simple signing, GPG) requirement.
type SignedByRequirement struct {
	KeyType        string
	KeyPath        string
	KeyPaths       []string
	KeyData        []byte
	SignedIdentity Identity
}

// SignedBaseLayerRequirement is a "signedBaseLayer" requirement.
type SignedBaseLayerRequirement struct {
	BaseLayerIdentity Identity
}

// SigstoreRequirement is a "sigstoreSigned" requirement: one root of trust
// and the identity signatures must claim.
type SigstoreRequirement struct {
	// Root is a PublicKeyRoot, a FulcioRoot or a PKIRoot. ParsePolicy
	// always sets it; a requirement without one does not compile.
	Root           SigstoreRoot
	SignedIdentity Identity
}

// SigstoreRoot is the root of trust of a sigstoreSigned requirement: a
// PublicKeyRoot, FulcioRoot or PKIRoot value (not a pointer). The interface
// is sealed, and each root type has the fields of one of the library's
// valid combinations of keys, Fulcio, PKI and Rekor keys.
type SigstoreRoot interface{ sigstoreRoot() }

// PublicKeyRoot trusts signatures made by one of its public keys
// (keyPath, keyPaths, keyData or keyDatas) and, with Rekor keys, only those
// recorded in a Rekor log that one of the Rekor keys signs for.
type PublicKeyRoot struct {
	Keys KeySource
	// Rekor is nil when no Rekor key is configured.
	Rekor KeySource
}

// FulcioRoot trusts certificates issued by a Fulcio CA for one OIDC issuer
// and subject email, recorded in a Rekor log that one of the Rekor keys
// signs for. ParsePolicy sets every field (OIDCIssuer and SubjectEmail
// non-empty).
type FulcioRoot struct {
	CA           CertSource // caPath or caData
	OIDCIssuer   string
	SubjectEmail string
	Rekor        KeySource
}

// PKIRoot trusts certificates issued by a private CA (BYOPKI) to a subject
// email and/or hostname. It has no Rekor keys: the library refuses them
// with pki. ParsePolicy sets CARoots and at least one of SubjectEmail and
// SubjectHostname.
type PKIRoot struct {
	CARoots CertSource // caRootsPath or caRootsData
	// CAIntermediates (caIntermediatesPath or caIntermediatesData) is nil
	// when no trusted intermediates are configured.
	CAIntermediates CertSource
	SubjectEmail    string
	SubjectHostname string
}

func (PublicKeyRoot) sigstoreRoot() {}
func (FulcioRoot) sigstoreRoot()    {}
func (PKIRoot) sigstoreRoot()       {}

// KeySource names PEM public keys as policy.json does: a PEMPath (keyPath,
// rekorPublicKeyPath), PEMPaths (…Paths), PEMData (…Data) or PEMDatas
// (…Datas). Holding one value, it cannot name two sources; ParsePolicy never
// builds an empty list.
type KeySource interface{ keySource() }

// CertSource names PEM certificates as policy.json does: a PEMPath (caPath,
// caRootsPath, caIntermediatesPath) or PEMData (caData, …).
type CertSource interface{ certSource() }

type (
	// PEMPath is a file holding PEM data, read when the policy is compiled.
	PEMPath string
	// PEMPaths are files holding one PEM key each.
	PEMPaths []string
	// PEMData is PEM data given inline (base64 in policy.json).
	PEMData []byte
	// PEMDatas are PEM keys given inline.
	PEMDatas [][]byte
)

func (PEMPath) keySource()  {}
func (PEMPaths) keySource() {}
func (PEMData) keySource()  {}
func (PEMDatas) keySource() {}
func (PEMPath) certSource() {}
func (PEMData) certSource() {}

// IdentityType names a signedIdentity match policy as policy.json spells it.
type IdentityType string

const (
	MatchExact             IdentityType = "matchExact"
	MatchRepoDigestOrExact IdentityType = "matchRepoDigestOrExact"
	MatchRepository        IdentityType = "matchRepository"
	ExactReference         IdentityType = "exactReference"
	ExactRepository        IdentityType = "exactRepository"
	RemapIdentity          IdentityType = "remapIdentity"
)

// Identity is a signedIdentity (PolicyReferenceMatch). A sigstoreSigned
// requirement without one gets MatchRepoDigestOrExact.
type Identity struct {
	Type IdentityType
	// DockerReference is set for ExactReference.
	DockerReference string
	// DockerRepository is set for ExactRepository.
	DockerRepository string
	// Prefix and SignedPrefix are set for RemapIdentity.
	Prefix       string
	SignedPrefix string
}
