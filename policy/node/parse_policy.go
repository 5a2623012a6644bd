package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxPolicyBytes caps a policy.json read by LoadPolicy, as every input
// file of sigpolicy is capped (internal/manifest.MaxBytes): real policies
// are kilobytes.
const MaxPolicyBytes = 32 << 20

// LoadPolicy reads and parses the policy.json at path, wrapping a parse
// error as signature.NewPolicyFromFile does. A file larger than
// MaxPolicyBytes is refused before it is parsed.
func LoadPolicy(path string) (*Policy, error) {
	data, err := readCapped(path, MaxPolicyBytes)
	if err != nil {
		return nil, err
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("invalid policy in %q: %w", path, err)
	}
	return p, nil
}

// ParsePolicy parses a containers-policy.json with the acceptance and error
// texts of signature.NewPolicyFromBytes. Errors are *FormatError.
func ParsePolicy(data []byte) (*Policy, error) {
	s := scanner{data: data}
	p, err := s.policy()
	if err == nil && !s.atEnd() {
		err = errSyntax
	}
	if err != nil {
		return nil, explain(data, err)
	}
	return p, nil
}

// explain gives err the precedence the library's errors have: encoding/json
// checks the whole document's syntax before any decoding, so a syntax error
// anywhere wins over whatever this single pass met first.
func explain(data []byte, err error) error {
	var raw json.RawMessage
	if serr := json.Unmarshal(data, &raw); serr != nil {
		return formatError(ReasonSyntax, serr.Error())
	}
	if errors.Is(err, errSyntax) {
		// The scanner and encoding/json disagree: refuse, never accept.
		return formatError(ReasonSyntax, "internal error: policy.json refused by sigpolicy's scanner but valid for encoding/json")
	}
	return err
}

func (s *scanner) policy() (*Policy, error) {
	if s.peek() != '{' {
		return nil, s.notObject()
	}
	p := &Policy{Transports: map[string]map[string]Requirements{}}
	fields := fieldSet{names: []string{"default", "transports"}}
	for first := true; ; first = false {
		key, ok, err := s.nextKey(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		i, err := fields.index(key)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			p.Default, err = s.requirements()
		} else {
			err = s.transports(p.Transports)
		}
		if err != nil {
			return nil, err
		}
	}
	if p.Default == nil {
		return nil, formatError(ReasonMissingKey, "Default policy is missing")
	}
	return p, nil
}

// notObject consumes the value s is at and returns the strict reader's
// error for it.
func (s *scanner) notObject() error {
	raw, err := s.value()
	if err != nil {
		return err
	}
	return objectExpected(raw)
}

func (s *scanner) transports(dst map[string]map[string]Requirements) error {
	if s.peek() != '{' {
		return s.notObject()
	}
	for first := true; ; first = false {
		key, ok, err := s.nextKey(first)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		name := string(key)
		if _, dup := dst[name]; dup {
			return duplicateKey(key)
		}
		scopes, err := s.scopes(scopeValidator(name))
		if err != nil {
			return err
		}
		dst[name] = scopes
	}
}

// scopes reads one transport's scopes; a scope that valid refuses is an
// unknown key, as in the library.
func (s *scanner) scopes(valid func(string) error) (map[string]Requirements, error) {
	if s.peek() != '{' {
		return nil, s.notObject()
	}
	scopes := map[string]Requirements{}
	for first := true; ; first = false {
		key, ok, err := s.nextKey(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			return scopes, nil
		}
		scope := string(key)
		if _, dup := scopes[scope]; dup {
			return nil, duplicateKey(key)
		}
		if scope != "" && valid != nil && valid(scope) != nil {
			return nil, unknownKey(key)
		}
		reqs, err := s.requirements()
		if err != nil {
			return nil, err
		}
		scopes[scope] = reqs
	}
}

// requirements reads a non-empty requirement list.
func (s *scanner) requirements() (Requirements, error) {
	switch s.peek() {
	case '[':
	case 'n':
		if _, err := s.value(); err != nil {
			return nil, err
		}
		return nil, invalid("List of verification policy requirements must not be empty")
	default:
		raw, err := s.value()
		if err != nil {
			return nil, err
		}
		var v []json.RawMessage
		return nil, mismatch(raw, &v)
	}
	var reqs Requirements
	for first := true; ; first = false {
		ok, err := s.nextElem(first)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		req, err := s.requirement()
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 {
		return nil, invalid("List of verification policy requirements must not be empty")
	}
	return reqs, nil
}

// readCapped reads path, refusing more than limit bytes.
func readCapped(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: policy larger than %d bytes", path, limit)
	}
	return data, nil
}
