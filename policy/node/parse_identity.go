package node

import (
	"fmt"
	"regexp"
	"sync"

	"go.podman.io/image/v5/docker/reference"
)

var (
	exactReferenceFields  = []string{"type", "dockerReference"}
	exactRepositoryFields = []string{"type", "dockerRepository"}
	remapIdentityFields   = []string{"type", "prefix", "signedPrefix"}
)

// identityOrDefault parses a signedIdentity member; an absent one (nil) is
// matchRepoDigestOrExact. A present null is parsed, and refused, as in the
// library.
func identityOrDefault(raw []byte) (Identity, error) {
	if raw == nil {
		return Identity{Type: MatchRepoDigestOrExact}, nil
	}
	return parseIdentity(raw)
}

// parseIdentity parses a signedIdentity or baseLayerIdentity value.
func parseIdentity(raw []byte) (Identity, error) {
	if raw[0] != '{' {
		if raw[0] == 'n' {
			return Identity{}, unknownIdentityType("")
		}
		return Identity{}, notAnObject(raw, "signature.prmCommon")
	}
	var buf [4]member
	sub := scanner{data: raw}
	members, err := sub.members(buf[:0])
	if err != nil {
		return Identity{}, err
	}
	typ, err := typeName(members, "prmCommon", "signature.prmTypeIdentifier")
	if err != nil {
		return Identity{}, err
	}
	id := Identity{Type: IdentityType(typ)}
	switch id.Type {
	case MatchExact, MatchRepoDigestOrExact, MatchRepository:
		err = exactFields(members, typeOnlyFields)
	case ExactReference:
		var v []string
		if v, err = stringFields(members, exactReferenceFields); err == nil {
			id.DockerReference = v[1]
			err = validateExactReference(id.DockerReference)
		}
	case ExactRepository:
		var v []string
		if v, err = stringFields(members, exactRepositoryFields); err == nil {
			id.DockerRepository = v[1]
			err = validateExactRepository(id.DockerRepository)
		}
	case RemapIdentity:
		var v []string
		if v, err = stringFields(members, remapIdentityFields); err == nil {
			id.Prefix, id.SignedPrefix = v[1], v[2]
			if err = validateRemapPrefix(id.Prefix); err == nil {
				err = validateRemapPrefix(id.SignedPrefix)
			}
		}
	default:
		err = unknownIdentityType(typ)
	}
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

func unknownIdentityType(typ string) error {
	return invalid(fmt.Sprintf("Unknown policy reference match type %q", typ))
}

// stringFields reads an exact-fields object whose fields after "type" are
// strings; it returns the values by field index.
func stringFields(members []member, names []string) ([]string, error) {
	f := fieldSet{names: names}
	values := make([]string, len(names))
	for _, m := range members {
		i, err := f.index(m.key)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			if values[i], err = decodeString(m.raw); err != nil {
				return nil, err
			}
		}
	}
	return values, f.requireAll()
}

func validateExactReference(s string) error {
	ref, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return invalid(fmt.Sprintf("Invalid format of dockerReference %q: %s", s, err.Error()))
	}
	if reference.IsNameOnly(ref) {
		return invalid(fmt.Sprintf("dockerReference %q contains neither a tag nor digest", s))
	}
	return nil
}

func validateExactRepository(s string) error {
	if _, err := reference.ParseNormalizedNamed(s); err != nil {
		return invalid(fmt.Sprintf("Invalid format of dockerRepository %q: %s", s, err.Error()))
	}
	return nil
}

// remapPatterns are the library's validateIdentityRemappingPrefix regexps,
// built from the same reference grammar.
var remapPatterns = sync.OnceValue(func() [3]*regexp.Regexp {
	return [3]*regexp.Regexp{
		regexp.MustCompile("^" + reference.DomainRegexp.String() + "$"),
		regexp.MustCompile("^" + reference.DomainRegexp.String() + "/"),
		regexp.MustCompile("^" + reference.NameRegexp.String() + "$"),
	}
})

// validateRemapPrefix accepts a registry (host[:port]) or a name that
// starts with one, as the library does for prefix and signedPrefix.
func validateRemapPrefix(s string) error {
	p := remapPatterns()
	if p[0].MatchString(s) || (p[2].MatchString(s) && p[1].MatchString(s)) {
		return nil
	}
	return invalid(fmt.Sprintf("prefix %q is not valid", s))
}
