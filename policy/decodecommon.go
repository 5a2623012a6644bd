package policy

import (
	"encoding/json"
	"errors"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

var topLevelFields = []string{"apiVersion", "kind", "metadata", "spec", "status"}

// common is one object after the API server's checks on create: generic
// metadata rules, the CRD's OpenAPI schema and, when no blocking error was
// found, its CEL rules. spec is the pruned spec (unknown fields and nulls
// removed) that the typed decoding reads; status is dropped, as the status
// subresource of every decoded kind makes the API server do on create.
type common struct {
	src        Source
	apiVersion string
	kind       Kind
	meta       metav1.ObjectMeta
	spec       any
	errs       field.ErrorList
}

func (d *decoder) decodeCommon(src Source, apiVersion string, kind Kind, info kindInfo, m map[string]any) *common {
	c := &common{src: src, apiVersion: apiVersion, kind: kind}
	c.errs = append(c.errs, d.unknownTopLevel(m)...)
	c.errs = append(c.errs, d.decodeMeta(m, kind, info.namespaced, &c.meta)...)

	specPath := field.NewPath("spec")
	if m["spec"] == nil {
		c.errs = append(c.errs, field.Required(specPath, ""))
	} else {
		w := &schemaWalk{}
		c.spec = w.walk(specPath, info.spec, m["spec"])
		c.errs = append(c.errs, w.errs...)
		c.errs = append(c.errs, duplicateItems(specPath, info.spec, c.spec)...)
		if !d.opts.PruneUnknownFields {
			for _, p := range w.unknown {
				c.errs = append(c.errs, unknownField(p))
			}
		}
	}
	if hasBlockingErr(c.errs) {
		c.errs = append(c.errs, rulesSkipped())
	} else if c.spec != nil {
		c.errs = append(c.errs, celErrors(specPath, info.spec, c.spec)...)
	}
	return c
}

// decodeSpec decodes the pruned spec into out; a failure is an internal
// error unless the object already has errors (then the spec is unusable
// anyway).
func (c *common) decodeSpec(out any) {
	if c.spec == nil {
		return
	}
	if err := decodeInto(c.spec, out, false); err != nil && len(c.errs) == 0 {
		c.errs = append(c.errs, field.InternalError(field.NewPath("spec"), err))
	}
}

func (d *decoder) unknownTopLevel(m map[string]any) field.ErrorList {
	if d.opts.PruneUnknownFields {
		return nil
	}
	var errs field.ErrorList
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(topLevelFields, k) {
			errs = append(errs, unknownField(field.NewPath(k)))
		}
	}
	return errs
}

// decodeMeta decodes metadata and applies the API server's object meta rules.
func (d *decoder) decodeMeta(m map[string]any, kind Kind, namespaced bool, meta *metav1.ObjectMeta) field.ErrorList {
	mdPath := field.NewPath("metadata")
	var errs field.ErrorList
	if md := m["metadata"]; md != nil {
		if _, ok := md.(map[string]any); !ok {
			w := &schemaWalk{}
			w.typeErr(mdPath, "object", md)
			return w.errs
		}
		if err := decodeInto(md, meta, !d.opts.PruneUnknownFields); err != nil {
			return field.ErrorList{field.Invalid(mdPath, "object", err.Error())}
		}
	}
	namePath, nsPath := mdPath.Child("name"), mdPath.Child("namespace")
	switch {
	case meta.Name != "":
		for _, msg := range validation.IsDNS1123Subdomain(meta.Name) {
			errs = append(errs, field.Invalid(namePath, meta.Name, msg))
		}
	case meta.GenerateName == "" && !d.opts.AllowUnnamed:
		errs = append(errs, field.Required(namePath, "name or generateName is required"))
	}
	switch {
	case !namespaced && meta.Namespace != "":
		errs = append(errs, field.Forbidden(nsPath, "not allowed on this type"))
	case meta.Namespace != "":
		for _, msg := range validation.IsDNS1123Label(meta.Namespace) {
			errs = append(errs, field.Invalid(nsPath, meta.Namespace, msg))
		}
	case kind == KindImagePolicy && !d.opts.AllowUnnamed:
		errs = append(errs, field.Required(nsPath, "an ImagePolicy applies to one namespace (/etc/crio/policies/<namespace>.json)"))
	}
	return errs
}

func (d *decoder) checkDuplicate(c *common) {
	if c.meta.Name == "" {
		return
	}
	key := string(c.kind) + "/" + c.meta.Namespace + "/" + c.meta.Name
	if first, dup := d.seen[key]; dup {
		c.errs = append(c.errs, &field.Error{Type: field.ErrorTypeDuplicate, Field: "metadata.name", BadValue: c.meta.Name,
			Detail: "the same " + string(c.kind) + " is already defined at " + first.String()})
		return
	}
	d.seen[key] = c.src
}

func unknownField(p *field.Path) *field.Error {
	return field.Forbidden(p, "unknown field (strict field validation; the API server without it would drop the field)")
}

// decodeInto converts an unstructured value into a typed one through JSON,
// with the API server's case-sensitive decoding; strict also reports unknown
// fields, as strict field validation does.
func decodeInto(v any, out any, strict bool) error {
	js, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if !strict {
		return sigsjson.UnmarshalCaseSensitivePreserveInts(js, out)
	}
	strictErrs, err := sigsjson.UnmarshalStrict(js, out, sigsjson.DisallowUnknownFields)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}
