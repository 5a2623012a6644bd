package node

// Reason classifies why a policy.json was refused.
type Reason string

const (
	// ReasonSyntax: the input is not JSON.
	ReasonSyntax Reason = "syntax"
	// ReasonType: a JSON value has the wrong type for its field.
	ReasonType Reason = "type"
	// ReasonDuplicateKey: an object repeats a key.
	ReasonDuplicateKey Reason = "duplicate-key"
	// ReasonUnknownKey: an object holds a key its schema does not know (for
	// transport scopes: a scope the transport refuses).
	ReasonUnknownKey Reason = "unknown-key"
	// ReasonMissingKey: a required key is absent.
	ReasonMissingKey Reason = "missing-key"
	// ReasonInvalid: the value is well-formed JSON of the right type but not
	// an acceptable value (empty list, conflicting or missing sources, bad
	// reference, unknown requirement type, …).
	ReasonInvalid Reason = "invalid"
)

// FormatError reports a policy.json that the containers image library's
// strict parser refuses. Message is the library's error text, word for word,
// so that a user sees what CRI-O or podman would say.
type FormatError struct {
	Reason  Reason
	Message string
}

func (e *FormatError) Error() string { return e.Message }

func formatError(reason Reason, msg string) *FormatError {
	return &FormatError{Reason: reason, Message: msg}
}
