package policy

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/yaml"
)

type registriesDConfig struct {
	Docker map[string]registriesDDocker `json:"docker,omitempty"`
}

type registriesDDocker struct {
	UseSigstoreAttachments bool `json:"use-sigstore-attachments,omitempty"`
}

// sigstoreRegistriesD is the MCO's generateSigstoreRegistriesdConfig: every
// cluster and applied namespace scope gets use-sigstore-attachments, and so
// does every place CRI-O may read its images from according to the rendered
// registries.conf: the pull sources of the entry matching the scope, and of
// every entry nested strictly inside it (its own mirrors, or its parent's
// adjusted ones). Nil when there is no scope: the MCO writes no file then.
func sigstoreRegistriesD(sp *scopePolicies, conf *sysregistriesv2.V2RegistriesConf) ([]byte, error) {
	scopes := sortedKeys(sp.cluster)
	for _, scope := range sp.namespacedScopes() {
		if _, ok := sp.cluster[scope]; !ok {
			scopes = append(scopes, scope)
		}
	}
	if len(scopes) == 0 {
		return nil, nil
	}
	docker := map[string]registriesDDocker{}
	table := newRegistryTable(conf.Registries)
	for _, scope := range scopes {
		docker[scope] = registriesDDocker{UseSigstoreAttachments: true}
		if err := addPullSources(docker, scope, table.find(scope)); err != nil {
			return nil, fmt.Errorf("error adding clusterimagepolicy scope %s relevant mirrors: %w", scope, err)
		}
		for i := range conf.Registries {
			entry := registryScope(&conf.Registries[i])
			if entry == scope || !scopeIsNestedInsideScope(entry, scope) {
				continue
			}
			if err := addPullSources(docker, entry, table.find(entry)); err != nil {
				return nil, fmt.Errorf("error adding clusterimagepolicy scope %s relevant mirrors: %w", scope, err)
			}
		}
	}
	return marshalRegistriesD(docker)
}

// The placeholders the MCO uses to ask the library where a scope's images
// are pulled from, by digest and by tag.
const (
	probeDigest = digest.Digest("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	probeTag    = "aaa"
	probePath   = "/a"
	probeHost   = "matched"
)

// addPullSources is the MCO's addScopeMirrorsSigstoreRegistriesdConfig: the
// scope becomes a repository (a wildcard's "*" replaced by a host label, a
// bare host given a path, both removed again from the results), and every
// pull source of that repository by digest and by tag whose endpoint has a
// location gets use-sigstore-attachments.
func addPullSources(docker map[string]registriesDDocker, scope string, reg *sysregistriesv2.Registry) error {
	if reg == nil {
		return nil
	}
	if strings.HasPrefix(scope, "*.") {
		scope = strings.Replace(scope, "*", probeHost, 1)
	}
	bareHost := !strings.Contains(scope, "/")
	if bareHost {
		scope += probePath
	}
	ref, err := reference.Parse(scope)
	if err != nil {
		return fmt.Errorf("error parsing scope %s: %w", scope, err)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return fmt.Errorf("scope %s is not a named reference", scope)
	}
	repo := reference.TrimNamed(named)
	byDigest, err := reference.WithDigest(repo, probeDigest)
	if err != nil {
		return fmt.Errorf("error parsing digest name for scope %s: %w", scope, err)
	}
	byTag, err := reference.WithTag(repo, probeTag)
	if err != nil {
		return fmt.Errorf("error parsing tag name for scope %s: %w", scope, err)
	}
	digestSources, err := reg.PullSourcesFromReference(byDigest)
	if err != nil {
		return fmt.Errorf("error getting digest sources for scope %s: %w", scope, err)
	}
	tagSources, err := reg.PullSourcesFromReference(byTag)
	if err != nil {
		return fmt.Errorf("error getting tag sources for scope %s: %w", scope, err)
	}
	for _, s := range append(digestSources, tagSources...) {
		if s.Endpoint.Location == "" {
			continue // a wildcard entry's own endpoint: the scope itself is already there
		}
		endpoint := s.Reference.Name()
		if bareHost {
			endpoint = strings.TrimSuffix(endpoint, probePath)
		}
		docker[endpoint] = registriesDDocker{UseSigstoreAttachments: true}
	}
	return nil
}

// marshalRegistriesD writes the file as the MCO does,
// sigs.k8s.io/yaml.Marshal(registriesDConfig{Docker: docker}): the value
// turned into JSON, decoded into maps, and those encoded by yaml.v2, which
// writes map keys in its natural order (yamlKeyLess). For keys of valid
// UTF-8 (the JSON step changes no other), the same bytes are written here
// without the round trip wherever that order is one: for some mixes of
// digits and letters ("a0a0", "a1aa", "a01") yaml.v2's comparison is not
// transitive, and yaml.v2 itself then orders the same keys differently from
// run to run; only the order of the entries differs, never their content.
// Entries are written in slices: yaml.v2 keeps every
// event of a document until it ends, so one document of thousands of
// scopes costs more per scope than a few short ones.
func marshalRegistriesD(docker map[string]registriesDDocker) ([]byte, error) {
	scopes := make([]string, 0, len(docker))
	for scope, d := range docker {
		if !utf8.ValidString(scope) || !d.UseSigstoreAttachments {
			return yaml.Marshal(registriesDConfig{Docker: docker})
		}
		scopes = append(scopes, scope)
	}
	slices.SortFunc(scopes, yamlKeyCompare)
	const header, perDocument = "docker:\n", 256
	out := []byte(header)
	for len(scopes) > 0 {
		chunk := scopes[:min(perDocument, len(scopes))]
		scopes = scopes[len(chunk):]
		entries := make(yamlv2.MapSlice, len(chunk))
		for i, scope := range chunk {
			entries[i] = yamlv2.MapItem{Key: scope, Value: yamlv2.MapSlice{{Key: "use-sigstore-attachments", Value: true}}}
		}
		doc, err := yamlv2.Marshal(yamlv2.MapSlice{{Key: "docker", Value: entries}})
		if err != nil {
			return nil, err
		}
		body, ok := bytes.CutPrefix(doc, []byte(header))
		if !ok {
			return nil, fmt.Errorf("registries.d: unexpected encoding %q", doc[:min(len(doc), 40)])
		}
		out = append(out, body...)
	}
	return out, nil
}

// yamlKeyCompare orders string map keys as yaml.v2 writes them: rune by
// rune; at the first difference, two letters by code point, a letter after
// anything else, and otherwise the numbers that start there (the digits
// from that position, continuing a number whose earlier digits are not all
// zero) by value, then the shorter number first, then by code point.
func yamlKeyCompare(a, b string) int {
	switch {
	case a == b:
		return 0
	case yamlKeyLess(a, b):
		return -1
	default:
		return 1
	}
}

func yamlKeyLess(a, b string) bool {
	if isASCII(a) && isASCII(b) { // each byte a rune: no conversion
		return naturalLess([]byte(a), []byte(b))
	}
	return naturalLess([]rune(a), []rune(b))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func naturalLess[C byte | rune](ar, br []C) bool {
	isLetter := func(c C) bool { return unicode.IsLetter(rune(c)) }
	isDigit := func(c C) bool { return unicode.IsDigit(rune(c)) }
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			continue
		}
		aLetter, bLetter := isLetter(ar[i]), isLetter(br[i])
		switch {
		case aLetter && bLetter:
			return ar[i] < br[i]
		case aLetter || bLetter:
			return bLetter
		}
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			// A zero inside a number counts as a digit of it.
			for j := i - 1; j >= 0 && isDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai, bi := i, i
		for ; ai < len(ar) && isDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for ; bi < len(br) && isDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		switch {
		case an != bn:
			return an < bn
		case ai != bi:
			return ai < bi
		default:
			return ar[i] < br[i]
		}
	}
	return len(ar) < len(br)
}
