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

// SigstoreRequirement is a "sigstoreSigned" requirement. Exactly one of the
// key sources, Fulcio or PKI is set; at most one Rekor key source is set;
// Fulcio requires a Rekor key source and PKI forbids one.
type SigstoreRequirement struct {
	KeyPath  string
	KeyPaths []string
	KeyData  []byte
	KeyDatas [][]byte

	Fulcio *FulcioRoot
	PKI    *PKIRoot

	RekorPublicKeyPath  string
	RekorPublicKeyPaths []string
	RekorPublicKeyData  []byte
	RekorPublicKeyDatas [][]byte

	SignedIdentity Identity
}

// FulcioRoot is the "fulcio" member of a sigstoreSigned requirement.
// Exactly one of CAPath and CAData is set; OIDCIssuer and SubjectEmail are
// non-empty.
type FulcioRoot struct {
	CAPath       string
	CAData       []byte
	OIDCIssuer   string
	SubjectEmail string
}

// PKIRoot is the "pki" member of a sigstoreSigned requirement. Exactly one
// of CARootsPath and CARootsData is set, at most one of the intermediate
// sources, and at least one of SubjectEmail and SubjectHostname.
type PKIRoot struct {
	CARootsPath         string
	CARootsData         []byte
	CAIntermediatesPath string
	CAIntermediatesData []byte
	SubjectEmail        string
	SubjectHostname     string
}

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
