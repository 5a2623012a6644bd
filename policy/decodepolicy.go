package policy

import (
	"encoding/json"
	"errors"
	"slices"

	configv1 "github.com/openshift/api/config/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

var topLevelFields = []string{"apiVersion", "kind", "metadata", "spec", "status"}

// decodePolicy validates one ClusterImagePolicy or ImagePolicy as the API
// server would on create and records it, valid or not.
func (d *decoder) decodePolicy(src Source, apiVersion string, kind Kind, m map[string]any) {
	o := &Object{Source: src, Kind: kind, APIVersion: apiVersion}
	var errs field.ErrorList
	errs = append(errs, d.unknownTopLevel(m)...)
	errs = append(errs, d.decodeMeta(m, o)...)

	specPath := field.NewPath("spec")
	var pruned any
	if m["spec"] == nil {
		errs = append(errs, field.Required(specPath, ""))
	} else {
		w := &schemaWalk{}
		pruned = w.walk(specPath, specSchema, m["spec"])
		errs = append(errs, w.errs...)
		errs = append(errs, duplicateItems(specPath, specSchema, pruned)...)
		if !d.opts.PruneUnknownFields {
			for _, p := range w.unknown {
				errs = append(errs, unknownField(p))
			}
		}
	}
	if hasBlockingErr(errs) {
		errs = append(errs, rulesSkipped())
	} else if pruned != nil {
		errs = append(errs, celErrors(specPath, specSchema, pruned)...)
	}
	if pruned != nil {
		var spec configv1.ImagePolicySpec
		if err := decodeInto(pruned, &spec, false); err == nil {
			o.Scopes, o.Policy = spec.Scopes, spec.Policy
		} else if len(errs) == 0 {
			errs = append(errs, field.InternalError(specPath, err))
		}
	}
	errs = append(errs, d.checkDuplicate(string(kind), o.Meta.Namespace, o.Meta.Name, src)...)
	o.errs = errs
	d.set.Objects = append(d.set.Objects, o)
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
func (d *decoder) decodeMeta(m map[string]any, o *Object) field.ErrorList {
	mdPath := field.NewPath("metadata")
	var errs field.ErrorList
	if md := m["metadata"]; md != nil {
		if _, ok := md.(map[string]any); !ok {
			w := &schemaWalk{}
			w.typeErr(mdPath, "object", md)
			return w.errs
		}
		if err := decodeInto(md, &o.Meta, !d.opts.PruneUnknownFields); err != nil {
			return field.ErrorList{field.Invalid(mdPath, "object", err.Error())}
		}
	}
	namePath, nsPath := mdPath.Child("name"), mdPath.Child("namespace")
	switch {
	case o.Meta.Name != "":
		for _, msg := range validation.IsDNS1123Subdomain(o.Meta.Name) {
			errs = append(errs, field.Invalid(namePath, o.Meta.Name, msg))
		}
	case o.Meta.GenerateName == "" && !d.opts.AllowUnnamed:
		errs = append(errs, field.Required(namePath, "name or generateName is required"))
	}
	switch {
	case o.Kind == KindClusterImagePolicy && o.Meta.Namespace != "":
		errs = append(errs, field.Forbidden(nsPath, "not allowed on this type"))
	case o.Meta.Namespace != "":
		for _, msg := range validation.IsDNS1123Label(o.Meta.Namespace) {
			errs = append(errs, field.Invalid(nsPath, o.Meta.Namespace, msg))
		}
	case o.Kind == KindImagePolicy && !d.opts.AllowUnnamed:
		errs = append(errs, field.Required(nsPath, "an ImagePolicy applies to one namespace (/etc/crio/policies/<namespace>.json)"))
	}
	return errs
}

func (d *decoder) checkDuplicate(kind, namespace, name string, src Source) field.ErrorList {
	if name == "" {
		return nil
	}
	key := kind + "/" + namespace + "/" + name
	if first, dup := d.seen[key]; dup {
		return field.ErrorList{&field.Error{Type: field.ErrorTypeDuplicate, Field: "metadata.name", BadValue: name,
			Detail: "the same " + kind + " is already defined at " + first.String()}}
	}
	d.seen[key] = src
	return nil
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
