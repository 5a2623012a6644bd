package policy

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// FieldError is one validation failure of one object. Err carries the field
// path, the error type and the detail exactly as the API server reports them;
// Error reads as kubectl users read them, with the offending value.
type FieldError struct {
	Source    Source
	Kind      string
	Namespace string
	Name      string
	Err       *field.Error
	// Value is the offending value, quoted and cut short, when known.
	Value string
}

// Field is the failing field's path, such as "spec.scopes[0]".
func (e *FieldError) Field() string { return e.Err.Field }

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s %s: %s", e.Source, e.Kind, objectRef(e.Namespace, e.Name), e.message())
}

// Unwrap exposes the API server's field error.
func (e *FieldError) Unwrap() error { return e.Err }

func objectRef(namespace, name string) string {
	if name == "" {
		name = "(unnamed)"
	}
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// SyntaxError is a document that cannot be read as a Kubernetes object:
// malformed YAML or JSON, a document that is not a mapping, or a missing or
// unsupported apiVersion/kind.
type SyntaxError struct {
	Source Source
	Err    error
}

func (e *SyntaxError) Error() string { return e.Source.String() + ": " + e.Err.Error() }

func (e *SyntaxError) Unwrap() error { return e.Err }

// LoadError gathers every input that could not be read or parsed.
type LoadError struct {
	Errs []error
}

func (e *LoadError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap returns every underlying error, for errors.Is and errors.As.
func (e *LoadError) Unwrap() []error { return e.Errs }

// ErrNoObjects is returned by Load when the inputs hold none of the decoded
// kinds.
var ErrNoObjects = errors.New("no ClusterImagePolicy, ImagePolicy, ImageDigestMirrorSet, ImageTagMirrorSet, ImageContentSourcePolicy or Image object found")

// ErrInvalid is returned by Render when some object failed validation.
var ErrInvalid = errors.New("invalid objects")
