package policy

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/sigpolicy/sigpolicy/internal/safetext"
)

// maxValueText caps the value quoted in a message: key data runs to
// kilobytes and the field path already says which one it is.
const maxValueText = 60

// fieldErrors wraps an object's field errors, reading the value each Invalid
// error is about from obj (the object as its API type, built only when there
// are errors): the API server reports CEL failures with the value's type
// ("string") in its place.
func fieldErrors(src Source, kind, namespace, name string, obj func() any, errs field.ErrorList) []*FieldError {
	var doc any
	if len(errs) > 0 {
		if data, err := json.Marshal(obj()); err == nil {
			_ = json.Unmarshal(data, &doc) // our own marshalled value: cannot fail
		}
	}
	out := make([]*FieldError, len(errs))
	for i, e := range errs {
		fe := &FieldError{Source: src, Kind: kind, Namespace: namespace, Name: name, Err: e}
		if e.Type == field.ErrorTypeInvalid {
			if v, ok := valueAt(doc, e.Field); ok {
				fe.Value = v
			}
		}
		out[i] = fe
	}
	return out
}

// RulesSkipped reports the API server's note that CEL rules were not
// evaluated because of the object's other errors: it names no field and
// adds nothing a reader can act on.
func (e *FieldError) RulesSkipped() bool { return e.Err.Field == "<nil>" }

// message is the field error as a kubectl user reads it: the field path,
// the rule's own message, and the value that broke it.
func (e *FieldError) message() string {
	fe := e.Err
	if fe.Type != field.ErrorTypeInvalid {
		return fe.Error()
	}
	value := e.Value
	if value == "" && !typePlaceholder(fe.BadValue) && scalar(fe.BadValue) {
		value = excerpt(fe.BadValue)
	}
	// OpenAPI messages repeat the path: "spec.x in body should match …".
	detail := strings.TrimPrefix(fe.Detail, fe.Field+" in body ")
	msg := fe.Field + ": " + detail
	if detail == "" {
		msg = fe.Field + ": invalid value"
	}
	if value != "" {
		msg += " (value " + value + ")"
	}
	return msg
}

// typePlaceholder reports the type names the API server puts where a CEL
// rule's value would go.
func typePlaceholder(v any) bool {
	switch v {
	case "string", "object", "array", "integer", "number", "boolean", "null", nil:
		return true
	}
	return false
}

func scalar(v any) bool {
	switch v.(type) {
	case string, bool, int, int32, int64, float64:
		return true
	}
	return false
}

// valueAt follows a field path ("spec.scopes[0]", "metadata.name",
// "spec.policy.rootOfTrust.publicKey.keyData") through a decoded JSON
// document and returns the value there as a short excerpt.
func valueAt(doc any, path string) (string, bool) {
	cur := doc
	for path != "" {
		var key string
		switch {
		case strings.HasPrefix(path, "["):
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return "", false
			}
			key, path = path[1:end], path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			key, path = path[:end], path[end:]
		}
		path = strings.TrimPrefix(path, ".")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[key]
			if !ok {
				return "", false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(c) {
				return "", false
			}
			cur = c[i]
		default:
			return "", false
		}
	}
	switch cur.(type) {
	case map[string]any, []any, nil:
		return "", false // the rule's message says what is wrong with a whole object or list
	}
	return excerpt(cur), true
}

// excerpt renders a value for a message: strings quoted, others as JSON,
// escaped and cut to maxValueText.
func excerpt(v any) string {
	var s string
	if str, ok := v.(string); ok {
		s = strconv.Quote(cutText(str))
	} else {
		data, err := json.Marshal(v)
		if err != nil {
			data = fmt.Appendf(nil, "%v", v)
		}
		s = cutText(string(data))
	}
	return safetext.Capped(s, 2*maxValueText)
}

// cutText cuts s to maxValueText bytes, marked, at a rune boundary: a cut
// inside a rune would show its first bytes as escapes.
func cutText(s string) string {
	if len(s) <= maxValueText {
		return s
	}
	n := maxValueText
	for i := 1; i < utf8.UTFMax && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return s[:n] + "…"
}
