package node

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// The decoders below turn one raw, syntactically valid JSON value into a Go
// value exactly as the library's encoding/json calls would. Common shapes
// take a fast path; anything unusual (arrays of numbers for []byte, escaped
// strings, wrong types) goes to encoding/json itself with the same Go
// destination type, so acceptance and error texts cannot drift.

// kindName names a JSON value's type as encoding/json's errors do.
func kindName(raw []byte) string {
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	default:
		return "number"
	}
}

// viaStdlib decodes raw into dst with encoding/json; its error is the
// library's error for the same value.
func viaStdlib(raw []byte, dst any) error {
	if err := json.Unmarshal(raw, dst); err != nil {
		return formatError(ReasonType, err.Error())
	}
	return nil
}

// mismatch returns encoding/json's error for decoding raw into dst, a
// combination it always refuses; should it accept, the value is refused
// all the same.
func mismatch(raw []byte, dst any) error {
	if err := viaStdlib(raw, dst); err != nil {
		return err
	}
	return formatError(ReasonType, fmt.Sprintf("internal error: unexpected JSON value %s for %T", kindName(raw), dst))
}

// decodeString decodes into a Go string; null leaves it empty.
func decodeString(raw []byte) (string, error) {
	switch raw[0] {
	case '"':
		return unquote(raw)
	case 'n':
		return "", nil
	}
	var v string
	return "", mismatch(raw, &v)
}

// decodeBytes decodes into a Go []byte: base64 text, or (as encoding/json
// allows) an array of byte values; null leaves it nil.
func decodeBytes(raw []byte) ([]byte, error) {
	switch raw[0] {
	case 'n':
		return nil, nil
	case '"':
		if content, ok := plainContent(raw); ok {
			b := make([]byte, base64.StdEncoding.DecodedLen(len(content)))
			n, err := base64.StdEncoding.Decode(b, content)
			if err != nil {
				return nil, formatError(ReasonType, err.Error())
			}
			return b[:n], nil
		}
	}
	var v []byte
	return v, viaStdlib(raw, &v)
}

// decodeStrings decodes into a Go []string.
func decodeStrings(raw []byte) ([]string, error) {
	var v []string
	return v, viaStdlib(raw, &v)
}

// decodeBytesList decodes into a Go [][]byte.
func decodeBytesList(raw []byte) ([][]byte, error) {
	var v [][]byte
	return v, viaStdlib(raw, &v)
}

// objectExpected is the library's error for a non-object where its strict
// reader wants one; it names the value as json.Decoder.Token returns it.
func objectExpected(raw []byte) error {
	tok, err := json.NewDecoder(bytes.NewReader(raw)).Token()
	if err != nil {
		return formatError(ReasonType, err.Error())
	}
	return formatError(ReasonType, fmt.Sprintf("JSON object expected, got %#v", tok))
}

func duplicateKey(key []byte) error {
	return formatError(ReasonDuplicateKey, fmt.Sprintf("Duplicate key %q", key))
}

func unknownKey(key []byte) error {
	return formatError(ReasonUnknownKey, fmt.Sprintf("Unknown key %q", key))
}

func missingKey(key string) error {
	return formatError(ReasonMissingKey, fmt.Sprintf("Key %q missing in a JSON object", key))
}

func invalid(msg string) error {
	return formatError(ReasonInvalid, msg)
}

// fieldSet tracks the keys of a fixed schema as the library's strict reader
// does: a key outside names is unknown, a key seen before is a duplicate.
type fieldSet struct {
	names []string
	seen  uint32
}

// index returns the position of key in names, or an error.
func (f *fieldSet) index(key []byte) (int, error) {
	for i, n := range f.names {
		if string(key) == n {
			if f.seen&(1<<i) != 0 {
				return 0, duplicateKey(key)
			}
			f.seen |= 1 << i
			return i, nil
		}
	}
	return 0, unknownKey(key)
}

// has reports whether names[i] was seen.
func (f *fieldSet) has(i int) bool { return f.seen&(1<<i) != 0 }

// requireAll is the library's check that every field of an exact-fields
// object is present. The library reports one missing key picked at random
// when several are missing; this reports the first in schema order.
func (f *fieldSet) requireAll() error {
	for i, n := range f.names {
		if !f.has(i) {
			return missingKey(n)
		}
	}
	return nil
}

// typeName is the value of a "type" member found the way json.Unmarshal
// fills a struct with one `json:"type"` string field: keys match case-
// insensitively, the last string wins, null is skipped, and the first
// value of another type is an error naming the struct and field type.
func typeName(members []member, structName, fieldType string) (string, error) {
	var typ string
	var typeErr error
	for _, m := range members {
		if !foldsToType(m.key) {
			continue
		}
		switch m.raw[0] {
		case '"':
			v, err := unquote(m.raw)
			if err != nil {
				return "", err
			}
			typ = v
		case 'n':
		default:
			if typeErr == nil {
				typeErr = formatError(ReasonType, fmt.Sprintf("json: cannot unmarshal %s into Go struct field %s.type of type %s", kindName(m.raw), structName, fieldType))
			}
		}
	}
	return typ, typeErr
}

// foldsToType reports whether encoding/json matches key to a field named
// "type". Its folding upper-cases ASCII and maps other runes with
// unicode.ToUpper; no non-ASCII rune upper-cases to T, Y, P or E.
func foldsToType(key []byte) bool {
	return len(key) == 4 && bytes.EqualFold(key, []byte("type"))
}

// notAnObject is the error json.Unmarshal gives for a non-object value
// decoded into a struct.
func notAnObject(raw []byte, goType string) error {
	return formatError(ReasonType, fmt.Sprintf("json: cannot unmarshal %s into Go value of type %s", kindName(raw), goType))
}
