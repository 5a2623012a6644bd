package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	manifests "github.com/sigpolicy/sigpolicy/internal/manifest"
)

// decoder accumulates a Set across inputs.
type decoder struct {
	opts LoadOptions
	set  *Set
	seen map[string]Source // kind/namespace/name → first occurrence
}

func newDecoder(opts LoadOptions) *decoder {
	return &decoder{opts: opts, set: &Set{}, seen: map[string]Source{}}
}

// decodeFile splits data into YAML documents ("---" separated; JSON is one
// document) and decodes each.
func (d *decoder) decodeFile(name string, data []byte) []error {
	if isBlank(data) {
		return []error{&SyntaxError{Source: Source{File: name, Doc: 1, Item: -1}, Err: errEmpty}}
	}
	var errs []error
	for doc, err := range manifests.Documents(name, data) {
		src := Source(doc.Source)
		if err != nil {
			return append(errs, &SyntaxError{Source: src, Err: err})
		}
		if isBlank(doc.YAML) {
			continue
		}
		if err := d.decodeDoc(src, doc.YAML); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// errEmpty is reported for an input without any document.
var errEmpty = errors.New("empty input: no YAML or JSON document")

// isBlank reports whether data holds no document: only blank lines,
// comments and "---" separators.
func isBlank(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return false
		}
	}
	return true
}

func (d *decoder) decodeDoc(src Source, chunk []byte) error {
	js, err := yaml.YAMLToJSONStrict(chunk)
	if err != nil {
		return &SyntaxError{Source: src, Err: err}
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		return &SyntaxError{Source: src, Err: err}
	}
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return &SyntaxError{Source: src, Err: fmt.Errorf("document is a %s, not an object", jsonType(v))}
	}
	return d.decodeObject(src, m)
}

func (d *decoder) decodeObject(src Source, m map[string]any) error {
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if apiVersion == "" || kind == "" {
		return &SyntaxError{Source: src, Err: errors.New(`object has no "apiVersion" or no "kind"`)}
	}
	if manifests.IsList(kind, src.Item) {
		if items, ok := m["items"].([]any); ok {
			return d.decodeList(src, items)
		}
	}
	group, version, _ := strings.Cut(apiVersion, "/")
	if kind == clusterVersionKind && group == groupConfig {
		if version != "v1" {
			return &SyntaxError{Source: src, Err: fmt.Errorf("unsupported apiVersion %q for kind %s", apiVersion, kind)}
		}
		return d.recordClusterVersion(src, m)
	}
	info, ours := kinds[Kind(kind)]
	if !ours || group == groupImage && kind == string(KindImage) {
		d.note(src, fmt.Sprintf("skipped %s %s: not an input of the MCO's image configuration", apiVersion, kind))
		return nil
	}
	// A known kind in another group is most likely a mistyped apiVersion:
	// skipping it would drop its requirements from the render, so fail
	// closed as for a wrong version (image.openshift.io's Image, skipped
	// above, is an unrelated API).
	if info.group != group {
		return &SyntaxError{Source: src, Err: fmt.Errorf("apiVersion %q is not in group %s of kind %s", apiVersion, info.group, kind)}
	}
	if !info.serves(version) {
		return &SyntaxError{Source: src, Err: fmt.Errorf("unsupported apiVersion %q for kind %s", apiVersion, kind)}
	}
	c := d.decodeCommon(src, apiVersion, Kind(kind), info, m)
	info.record(d, c)
	return nil
}

func (d *decoder) decodeList(src Source, items []any) error {
	var errs []error
	for i, item := range items {
		isrc := src
		isrc.Item = i
		m, ok := item.(map[string]any)
		if !ok {
			errs = append(errs, &SyntaxError{Source: isrc, Err: fmt.Errorf("list item is a %s, not an object", jsonType(item))})
			continue
		}
		if err := d.decodeObject(isrc, m); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *decoder) note(src Source, msg string) {
	d.set.Notes = append(d.set.Notes, Note{Source: src, Message: msg})
}
