package node

import (
	"encoding/json"
	"errors"
)

// errSyntax marks bytes that are not JSON. It never reaches a caller:
// ParsePolicy replaces it with encoding/json's own message for the whole
// document, as the library validates the whole document before decoding.
var errSyntax = errors.New("policy.json is not valid JSON")

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// scanner reads JSON from data in one pass. Every method that consumes a
// value validates its syntax as encoding/json does.
type scanner struct {
	data []byte
	pos  int
}

// member is one key and its raw value in an object read ahead.
type member struct {
	key []byte
	raw []byte
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value, or 0 at the end of input.
func (s *scanner) peek() byte {
	s.skipSpace()
	if s.pos >= len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// atEnd reports whether only white space is left.
func (s *scanner) atEnd() bool {
	s.skipSpace()
	return s.pos == len(s.data)
}

// value consumes the next value and returns its bytes.
func (s *scanner) value() ([]byte, error) {
	s.skipSpace()
	start := s.pos
	if err := s.skip(0); err != nil {
		return nil, err
	}
	return s.data[start:s.pos], nil
}

func (s *scanner) skip(depth int) error {
	if s.pos >= len(s.data) {
		return errSyntax
	}
	switch s.data[s.pos] {
	case '{':
		if depth >= maxDepth {
			return errSyntax
		}
		for first := true; ; first = false {
			_, ok, err := s.nextKey(first)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
	case '[':
		if depth >= maxDepth {
			return errSyntax
		}
		for first := true; ; first = false {
			ok, err := s.nextElem(first)
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := s.skip(depth + 1); err != nil {
				return err
			}
		}
	case '"':
		_, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *scanner) literal(word string) error {
	if len(s.data)-s.pos < len(word) || string(s.data[s.pos:s.pos+len(word)]) != word {
		return errSyntax
	}
	s.pos += len(word)
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (s *scanner) digits() error {
	start := s.pos
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
	if s.pos == start {
		return errSyntax
	}
	return nil
}

func (s *scanner) number() error {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos >= len(d):
		return errSyntax
	case d[s.pos] == '0':
		s.pos++
	default:
		if err := s.digits(); err != nil {
			return err
		}
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if err := s.digits(); err != nil {
			return err
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		return s.digits()
	}
	return nil
}

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// str consumes a string literal and returns it with its quotes.
func (s *scanner) str() ([]byte, error) {
	d := s.data
	start := s.pos
	if start >= len(d) || d[start] != '"' {
		return nil, errSyntax
	}
	for i := start + 1; i < len(d); {
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:s.pos], nil
		case c == '\\':
			if i+1 >= len(d) {
				return nil, errSyntax
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
					return nil, errSyntax
				}
				i += 6
			default:
				return nil, errSyntax
			}
		case c < 0x20:
			return nil, errSyntax
		default:
			i++
		}
	}
	return nil, errSyntax
}

// plainContent returns a string literal's contents when they need no
// decoding: printable ASCII without escapes.
func plainContent(lit []byte) ([]byte, bool) {
	content := lit[1 : len(lit)-1]
	for _, c := range content {
		if c == '\\' || c >= 0x80 {
			return nil, false
		}
	}
	return content, true
}

// unquoteBytes decodes a string literal, leaving escapes and invalid UTF-8
// to encoding/json when it is not plain.
func unquoteBytes(lit []byte) ([]byte, error) {
	if content, ok := plainContent(lit); ok {
		return content, nil
	}
	var v string
	if err := json.Unmarshal(lit, &v); err != nil {
		return nil, errSyntax
	}
	return []byte(v), nil
}

// unquote is unquoteBytes for string fields.
func unquote(lit []byte) (string, error) {
	if content, ok := plainContent(lit); ok {
		return string(content), nil
	}
	var v string
	if err := json.Unmarshal(lit, &v); err != nil {
		return "", errSyntax
	}
	return v, nil
}

// nextKey moves to the next member of the object s is in: first is true
// right at its opening brace. It returns the member's unquoted key, leaving
// s at its value, or false after the closing brace.
func (s *scanner) nextKey(first bool) ([]byte, bool, error) {
	if first {
		s.pos++ // '{'
		if s.peek() == '}' {
			s.pos++
			return nil, false, nil
		}
	} else {
		switch s.peek() {
		case '}':
			s.pos++
			return nil, false, nil
		case ',':
			s.pos++
			s.skipSpace()
		default:
			return nil, false, errSyntax
		}
	}
	lit, err := s.str()
	if err != nil {
		return nil, false, err
	}
	if s.peek() != ':' {
		return nil, false, errSyntax
	}
	s.pos++
	s.skipSpace()
	key, err := unquoteBytes(lit)
	return key, err == nil, err
}

// nextElem moves to the next element of the array s is in, as nextKey.
func (s *scanner) nextElem(first bool) (bool, error) {
	if first {
		s.pos++ // '['
		if s.peek() == ']' {
			s.pos++
			return false, nil
		}
		return true, nil
	}
	switch s.peek() {
	case ']':
		s.pos++
		return false, nil
	case ',':
		s.pos++
		s.skipSpace()
		return true, nil
	default:
		return false, errSyntax
	}
}

// members reads the object s is at into buf, keeping keys and raw values in
// document order.
func (s *scanner) members(buf []member) ([]member, error) {
	for first := true; ; first = false {
		key, ok, err := s.nextKey(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			return buf, nil
		}
		raw, err := s.value()
		if err != nil {
			return nil, err
		}
		buf = append(buf, member{key: key, raw: raw})
	}
}
