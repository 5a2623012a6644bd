// Package strictjson decodes JSON objects as strictly as the containers image
// library does for signatures and policies: duplicate keys, unknown keys,
// wrong value types and trailing data are all errors.
//
// The error texts are the library's (go.podman.io/image/v5/signature/internal,
// ParanoidUnmarshalJSONObject), because sigpolicy reports them verbatim.
package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// FormatError reports JSON that does not have the expected shape.
type FormatError string

func (err FormatError) Error() string {
	return string(err)
}

// Object decodes data as one JSON object. For each key, resolve returns a
// pointer to decode the value into, or nil to refuse the key.
func Object(data []byte, resolve func(key string) any) error {
	seen := make(map[string]struct{}, 4)
	dec := json.NewDecoder(bytes.NewReader(data))
	t, err := dec.Token()
	if err != nil {
		return FormatError(err.Error())
	}
	if t != json.Delim('{') {
		return FormatError(fmt.Sprintf("JSON object expected, got %#v", t))
	}
	for {
		t, err := dec.Token()
		if err != nil {
			return FormatError(err.Error())
		}
		if t == json.Delim('}') {
			break
		}
		key, ok := t.(string)
		if !ok {
			return FormatError(fmt.Sprintf("Key string literal expected, got %#v", t))
		}
		if _, dup := seen[key]; dup {
			return FormatError(fmt.Sprintf("Duplicate key %q", key))
		}
		seen[key] = struct{}{}
		dest := resolve(key)
		if dest == nil {
			return FormatError(fmt.Sprintf("Unknown key %q", key))
		}
		if err := dec.Decode(dest); err != nil {
			return FormatError(err.Error())
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return FormatError("Unexpected data after JSON object")
	}
	return nil
}

// ExactObject decodes data as one JSON object whose keys are exactly those of
// fields, each present once; fields maps a key to the pointer to decode into.
// When several keys are missing, which one is named is unspecified (as in the
// library, which also walks a map).
func ExactObject(data []byte, fields map[string]any) error {
	seen := make(map[string]struct{}, len(fields))
	if err := Object(data, func(key string) any {
		if dest, ok := fields[key]; ok {
			seen[key] = struct{}{}
			return dest
		}
		return nil
	}); err != nil {
		return err
	}
	for key := range fields {
		if _, ok := seen[key]; !ok {
			return FormatError(fmt.Sprintf(`Key %q missing in a JSON object`, key))
		}
	}
	return nil
}
