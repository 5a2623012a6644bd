package verify

// Requirement-level reasons the engine adds to those of signature checks.
const (
	// ReasonPolicyReject: a "reject" requirement.
	ReasonPolicyReject Reason = "policy-reject"
	// ReasonUnsupported: a requirement the library or sigpolicy does not
	// evaluate (signedBaseLayer, signedBy).
	ReasonUnsupported Reason = "unsupported-requirement"
	// ReasonInvalidConfig: the requirement could not be compiled.
	ReasonInvalidConfig Reason = "invalid-configuration"
	// ReasonRegistryUnavailable: the registry could not be reached or
	// refused us (network, timeout, authentication, missing image).
	ReasonRegistryUnavailable Reason = "registry-unavailable"
	// ReasonRegistryAnswer: the registry answered with something that cannot
	// be trusted (wrong media type, digest mismatch, oversized or truncated
	// data, too many layers).
	ReasonRegistryAnswer Reason = "registry-answer"
)
