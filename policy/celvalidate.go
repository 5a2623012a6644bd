package policy

import (
	"encoding/base64"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// celErrors evaluates the x-kubernetes-validations rules on a pruned value:
// a node's own rules first, then its children, as the API server does.
// Failures are reported with the node's type as value ("object", "string").
func celErrors(path *field.Path, s *schema, v any) field.ErrorList {
	var errs field.ErrorList
	ruleValue := v
	if s.byteFormat {
		str, _ := v.(string)
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil // already a blocking format error
		}
		ruleValue = string(b)
	}
	for _, r := range s.rules {
		if !r.holds(ruleValue) {
			errs = append(errs, field.Invalid(path, s.typ, r.message))
		}
	}
	switch s.typ {
	case "object":
		m, _ := v.(map[string]any)
		for _, p := range s.props {
			if pv, ok := m[p.name]; ok {
				errs = append(errs, celErrors(path.Child(p.name), p.schema, pv)...)
			}
		}
	case "array":
		l, _ := v.([]any)
		for i, item := range l {
			errs = append(errs, celErrors(path.Index(i), s.items, item)...)
		}
	}
	return errs
}
