package simulate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/sigpolicy/sigpolicy/internal/manifest"
	"github.com/sigpolicy/sigpolicy/policy"
)

// ErrNoWorkloads is returned when the inputs name no container image.
var ErrNoWorkloads = errors.New("no container image found in the workload manifests")

// ManifestError is a document that cannot be read as a workload: malformed
// YAML or JSON, not an object, fields of the wrong type, or a container
// without an image.
type ManifestError struct {
	Source policy.Source
	Err    error
}

func (e *ManifestError) Error() string { return e.Source.String() + ": " + e.Err.Error() }

func (e *ManifestError) Unwrap() error { return e.Err }

// decodeFile splits data into YAML documents ("---" separated; JSON is one
// document) and adds each document's containers to inv.
func decodeFile(o LoadOptions, inv *Inventory, name string, data []byte) []error {
	var errs []error
	for doc, err := range manifest.Documents(name, data) {
		src := policy.Source(doc.Source)
		if err != nil {
			return append(errs, &ManifestError{Source: src, Err: err})
		}
		js, err := yaml.YAMLToJSON(doc.YAML)
		if err != nil {
			errs = append(errs, &ManifestError{Source: src, Err: err})
			continue
		}
		if t := bytes.TrimSpace(js); len(t) == 0 || bytes.Equal(t, []byte("null")) {
			continue // blank document or comments only
		}
		errs = append(errs, decodeObject(o, inv, src, js)...)
	}
	return errs
}

// object is the part of any Kubernetes object that simulate reads.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	// Spec and Items are decoded only for the kinds that have them.
	Spec  json.RawMessage `json:"spec"`
	Items json.RawMessage `json:"items"`
}

func decodeObject(o LoadOptions, inv *Inventory, src policy.Source, js []byte) []error {
	var obj object
	if err := json.Unmarshal(js, &obj); err != nil {
		return []error{&ManifestError{Source: src, Err: describeJSONError("", err)}}
	}
	if obj.APIVersion == "" || obj.Kind == "" {
		return []error{&ManifestError{Source: src, Err: errors.New(`object has no "apiVersion" or no "kind"`)}}
	}
	if manifest.IsList(obj.Kind, src.Item) {
		var items []json.RawMessage
		if err := unmarshalOptional(obj.Items, &items); err != nil {
			return []error{&ManifestError{Source: src, Err: fmt.Errorf("%s items: %w", obj.Kind, err)}}
		}
		var errs []error
		for i, item := range items {
			isrc := src
			isrc.Item = i
			errs = append(errs, decodeObject(o, inv, isrc, item)...)
		}
		return errs
	}
	specOf, ok := workloadKinds[groupKind{apiGroup(obj.APIVersion), obj.Kind}]
	if !ok {
		inv.Notes = append(inv.Notes, policy.Note{Source: src, Message: fmt.Sprintf("skipped %s %s: not a workload", obj.APIVersion, obj.Kind)})
		return nil
	}
	spec, err := specOf(obj.Spec)
	if err != nil {
		return []error{&ManifestError{Source: src, Err: fmt.Errorf("%s %s: %w", obj.Kind, obj.Metadata.Name, describeJSONError("spec.", err))}}
	}
	w := Workload{APIVersion: obj.APIVersion, Kind: obj.Kind, Namespace: obj.Metadata.Namespace, Name: obj.Metadata.Name, Source: src}
	if w.Namespace == "" {
		w.Namespace = o.DefaultNamespace
	}
	return addContainers(inv, w, spec)
}

func addContainers(inv *Inventory, w Workload, spec podSpec) []error {
	var errs []error
	lists := []struct {
		kind ContainerKind
		cs   []containerSpec
	}{{InitContainer, spec.InitContainers}, {RegularContainer, spec.Containers}, {EphemeralContainer, spec.EphemeralContainers}}
	n := 0
	for _, l := range lists {
		for i, c := range l.cs {
			if c.Image == "" {
				errs = append(errs, &ManifestError{Source: w.Source, Err: fmt.Errorf("%s %s: %ss[%d] (%q) has no image", w.Kind, w.Name, l.kind, i, c.Name)})
				continue
			}
			inv.Containers = append(inv.Containers, Container{Workload: w, Name: c.Name, Kind: l.kind, Image: c.Image})
			n++
		}
	}
	if n == 0 && len(errs) == 0 {
		inv.Notes = append(inv.Notes, policy.Note{Source: w.Source, Message: fmt.Sprintf("%s %s has no containers", w.Kind, w.Name)})
	}
	return errs
}

// describeJSONError names the field of a type mismatch; prefix is the path
// of the decoded value inside the object.
func describeJSONError(prefix string, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %s%s: expected %s, got JSON %s", prefix, te.Field, te.Type, te.Value)
	}
	return err
}
