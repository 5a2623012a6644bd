package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"sigs.k8s.io/yaml"
)

// crdSchemaKeys are the OpenAPI keys the transcription models; any other key
// in a copied CRD fails the test, so that a new kind of rule is not silently
// ignored.
var crdSchemaKeys = []string{"description", "type", "properties", "required", "enum", "pattern", "format",
	"minLength", "maxLength", "minItems", "maxItems", "items", "x-kubernetes-list-type", "x-kubernetes-validations"}

// TestSchemasMatchCRDs compares each hand-transcribed spec schema with the
// spec schema of the CRD it was transcribed from: types, properties,
// required fields, enums, patterns, bounds, list types, byte format and the
// CEL rules' messages (the rules themselves are Go code, checked by the
// conformance and validation tests).
func TestSchemasMatchCRDs(t *testing.T) {
	files, err := filepath.Glob("testdata/openshift-api/crds/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs: %v", err)
	}
	seen := map[Kind]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var crd struct {
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind Kind `json:"kind"`
				} `json:"names"`
				Versions []struct {
					Name   string `json:"name"`
					Served bool   `json:"served"`
					Schema struct {
						OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		kind := crd.Spec.Names.Kind
		info, ok := kinds[kind]
		if !ok {
			t.Errorf("%s: kind %s is not decoded", f, kind)
			continue
		}
		seen[kind] = true
		if info.group != crd.Spec.Group {
			t.Errorf("%s: group %s, decoder expects %s", kind, crd.Spec.Group, info.group)
		}
		for _, v := range crd.Spec.Versions {
			if v.Served && !info.serves(v.Name) {
				t.Errorf("%s: served version %s is refused", kind, v.Name)
			}
			props, _ := v.Schema.OpenAPIV3Schema["properties"].(map[string]any)
			spec, _ := props["spec"].(map[string]any)
			for _, diff := range compareSchema("spec", info.spec, spec) {
				t.Errorf("%s %s: %s", kind, v.Name, diff)
			}
		}
	}
	for kind := range kinds {
		if !seen[kind] {
			t.Errorf("no CRD copied for %s", kind)
		}
	}
}

func compareSchema(path string, s *schema, crd map[string]any) []string {
	var diffs []string
	report := func(format string, args ...any) { diffs = append(diffs, path+": "+fmt.Sprintf(format, args...)) }
	for k := range crd {
		if !slices.Contains(crdSchemaKeys, k) {
			report("CRD key %q is not modelled", k)
		}
	}
	if crd["type"] != s.typ {
		report("type %v, transcribed %s", crd["type"], s.typ)
	}
	switch format, _ := crd["format"].(string); {
	case format == "byte" != s.byteFormat:
		report("format %q, transcribed byteFormat=%v", format, s.byteFormat)
	case format != "" && format != "byte" && !(format == "hostname" && s.typ == "array"):
		report("format %q is not modelled", format)
	}
	pattern, _ := crd["pattern"].(string)
	if got := ""; s.pattern != nil {
		got = s.pattern().String()
		if got != pattern {
			report("pattern %q, transcribed %q", pattern, got)
		}
	} else if pattern != "" {
		report("pattern %q not transcribed", pattern)
	}
	for key, got := range map[string]int{"minLength": s.minLength, "maxLength": s.maxLength, "minItems": s.minItems, "maxItems": s.maxItems} {
		want, _ := crd[key].(float64)
		if int(want) != got {
			report("%s %v, transcribed %d", key, crd[key], got)
		}
	}
	if listType, _ := crd["x-kubernetes-list-type"].(string); (listType == "set") != s.listSet {
		report("list type %q, transcribed set=%v", listType, s.listSet)
	}
	if got, want := stringList(crd["enum"]), s.enum; !slices.Equal(got, want) {
		report("enum %q, transcribed %q", got, want)
	}
	if got, want := sorted(stringList(crd["required"])), sorted(s.required); !slices.Equal(got, want) {
		report("required %q, transcribed %q", got, want)
	}
	var wantMessages, gotMessages []string
	rules, _ := crd["x-kubernetes-validations"].([]any)
	for _, r := range rules {
		m, _ := r.(map[string]any)
		msg, _ := m["message"].(string)
		wantMessages = append(wantMessages, msg)
	}
	for _, r := range s.rules {
		gotMessages = append(gotMessages, r.message)
	}
	if !slices.Equal(wantMessages, gotMessages) {
		report("rule messages %q, transcribed %q", wantMessages, gotMessages)
	}
	props, _ := crd["properties"].(map[string]any)
	for name, p := range props {
		sub := s.property(name)
		if sub == nil {
			report("property %s not transcribed", name)
			continue
		}
		pm, _ := p.(map[string]any)
		diffs = append(diffs, compareSchema(path+"."+name, sub, pm)...)
	}
	for _, p := range s.props {
		if _, ok := props[p.name]; !ok {
			report("transcribed property %s is not in the CRD", p.name)
		}
	}
	if items, ok := crd["items"].(map[string]any); ok {
		if s.items == nil {
			report("items not transcribed")
		} else {
			diffs = append(diffs, compareSchema(path+"[]", s.items, items)...)
		}
	} else if s.items != nil {
		report("transcribed items are not in the CRD")
	}
	return diffs
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, fmt.Sprint(x))
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if len(s) == 0 {
		return nil
	}
	return s
}
