package policy

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// schemaWalk validates an unstructured value against a schema the way the
// API server's OpenAPI validator does, and builds the pruned value (unknown
// fields and nulls removed) that the typed decoding reads.
type schemaWalk struct {
	errs    field.ErrorList
	unknown []*field.Path
}

func (w *schemaWalk) walk(path *field.Path, s *schema, v any) any {
	switch s.typ {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			w.typeErr(path, s.typ, v)
			return nil
		}
		return w.object(path, s, m)
	case "array":
		l, ok := v.([]any)
		if !ok {
			w.typeErr(path, s.typ, v)
			return nil
		}
		return w.array(path, s, l)
	case "boolean":
		if _, ok := v.(bool); !ok {
			w.typeErr(path, s.typ, v)
			return nil
		}
		return v
	default:
		str, ok := v.(string)
		if !ok {
			w.typeErr(path, s.typ, v)
			return nil
		}
		w.str(path, s, str)
		return str
	}
}

func (w *schemaWalk) object(path *field.Path, s *schema, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for _, name := range s.required {
		if m[name] == nil {
			w.errs = append(w.errs, field.Required(path.Child(name), ""))
		}
	}
	for _, p := range s.props {
		if v := m[p.name]; v != nil {
			if pv := w.walk(path.Child(p.name), p.schema, v); pv != nil {
				out[p.name] = pv
			}
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if s.property(k) == nil && m[k] != nil {
			w.unknown = append(w.unknown, path.Child(k))
		}
	}
	return out
}

func (w *schemaWalk) array(path *field.Path, s *schema, l []any) []any {
	if s.maxItems > 0 && len(l) > s.maxItems {
		w.errs = append(w.errs, field.TooMany(path, len(l), s.maxItems))
	}
	if s.minItems > 0 && len(l) < s.minItems {
		w.errs = append(w.errs, field.Invalid(path, l, fmt.Sprintf("%s in body should have at least %d items", path, s.minItems)))
	}
	out := make([]any, 0, len(l))
	for i, v := range l {
		if v == nil {
			w.typeErr(path.Index(i), s.items.typ, v)
			continue
		}
		if pv := w.walk(path.Index(i), s.items, v); pv != nil {
			out = append(out, pv)
		}
	}
	return out
}

func (w *schemaWalk) str(path *field.Path, s *schema, v string) {
	n := utf8.RuneCountInString(v)
	if s.maxLength > 0 && n > s.maxLength {
		w.errs = append(w.errs, field.TooLong(path, v, s.maxLength))
	}
	if s.minLength > 0 && n < s.minLength {
		w.errs = append(w.errs, field.Invalid(path, v, fmt.Sprintf("%s in body should be at least %d chars long", path, s.minLength)))
	}
	if s.pattern != nil && !s.pattern().MatchString(v) {
		w.errs = append(w.errs, field.Invalid(path, v, fmt.Sprintf("%s in body should match '%s'", path, s.pattern())))
	}
	if s.byteFormat {
		if _, err := base64.StdEncoding.DecodeString(v); err != nil {
			w.errs = append(w.errs, field.TypeInvalid(path, v, fmt.Sprintf("%s in body must be of type byte: %q", path, v)))
		}
	}
	if len(s.enum) > 0 && !slices.Contains(s.enum, v) {
		w.errs = append(w.errs, field.NotSupported(path, v, s.enum))
	}
}

// typeErr reports a JSON type mismatch with the API server's wording.
func (w *schemaWalk) typeErr(path *field.Path, want string, v any) {
	got := jsonType(v)
	w.errs = append(w.errs, field.TypeInvalid(path, got, fmt.Sprintf("%s in body must be of type %s: %q", path, want, got)))
}

func jsonType(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		if t == math.Trunc(t) {
			return "integer"
		}
		return "number"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// duplicateItems is the x-kubernetes-list-type: set check.
func duplicateItems(path *field.Path, s *schema, v any) field.ErrorList {
	var errs field.ErrorList
	switch s.typ {
	case "object":
		m, _ := v.(map[string]any)
		for _, p := range s.props {
			if pv, ok := m[p.name]; ok {
				errs = append(errs, duplicateItems(path.Child(p.name), p.schema, pv)...)
			}
		}
	case "array":
		l, _ := v.([]any)
		if !s.listSet {
			for i, item := range l {
				errs = append(errs, duplicateItems(path.Index(i), s.items, item)...)
			}
			return errs
		}
		seen := make(map[any]bool, len(l))
		for i, item := range l {
			if seen[item] {
				errs = append(errs, field.Duplicate(path.Index(i), item))
			}
			seen[item] = true
		}
	}
	return errs
}

// blockingTypes are the schema errors that stop CEL evaluation in the API
// server (apiextensions-apiserver hasBlockingErr).
var blockingTypes = []field.ErrorType{
	field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong,
	field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid,
}

func hasBlockingErr(errs field.ErrorList) bool {
	for _, e := range errs {
		if slices.Contains(blockingTypes, e.Type) {
			return true
		}
	}
	return false
}

// rulesSkipped is the API server's error when CEL rules were not evaluated.
func rulesSkipped() *field.Error {
	return &field.Error{Type: field.ErrorTypeInvalid, Field: "<nil>", BadValue: "null",
		Detail: "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation"}
}
