package strictjson

import (
	"strings"
	"testing"
)

func TestExactObject(t *testing.T) {
	tests := []struct {
		desc, in, err string
	}{
		{"exact fields", `{"a":"x","b":1}`, ""},
		{"other order, whitespace", ` { "b" : 1 , "a" : "x" } `, ""},
		{"missing key", `{"a":"x"}`, `Key "b" missing in a JSON object`},
		{"unknown key", `{"a":"x","b":1,"c":2}`, `Unknown key "c"`},
		{"duplicate key", `{"a":"x","a":"y","b":1}`, `Duplicate key "a"`},
		{"wrong type", `{"a":1,"b":1}`, "cannot unmarshal number"},
		{"trailing data", `{"a":"x","b":1} {}`, "Unexpected data after JSON object"},
		{"not an object", `["a"]`, "JSON object expected"},
		{"empty", ``, "EOF"},
		{"truncated", `{"a":"x",`, "EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			var a string
			var b int
			err := ExactObject([]byte(tc.in), map[string]any{"a": &a, "b": &b})
			if tc.err == "" {
				if err != nil || a != "x" || b != 1 {
					t.Fatalf("got %q %d, %v", a, b, err)
				}
				return
			}
			if _, ok := err.(FormatError); !ok || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %#v, want a FormatError containing %q", err, tc.err)
			}
		})
	}
}

func TestObjectResolver(t *testing.T) {
	var seen []string
	err := Object([]byte(`{"x":1,"y":{"z":[1,2]},"w":null}`), func(key string) any {
		seen = append(seen, key)
		var ignored any
		return &ignored
	})
	if err != nil || strings.Join(seen, ",") != "x,y,w" {
		t.Fatalf("keys %v, %v", seen, err)
	}
	if err := Object([]byte(`{"refused":1}`), func(string) any { return nil }); err == nil || err.Error() != `Unknown key "refused"` {
		t.Fatalf("refused key: %v", err)
	}
}
