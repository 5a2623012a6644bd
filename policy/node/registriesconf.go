package node

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/storage/pkg/configfile"
)

// maxRegistriesConfBytes caps each registries.conf file read from disk; real
// ones are a few kilobytes.
const maxRegistriesConfBytes = 4 << 20

// ConfFile is one registries.conf file held in memory: the main file or a
// drop-in. Name is used in messages only.
type ConfFile struct {
	Name string
	Data []byte
}

// RegistriesConf is a registries.conf (v2) with its drop-ins merged, as the
// containers library merges them (sysregistriesv2): parsed, checked and
// normalised once, then immutable and safe for concurrent use. The zero
// value is an empty configuration.
type RegistriesConf struct {
	path       string // the main file, when read from disk
	files      []string
	registries []sysregistriesv2.Registry // sorted by prefix, one per prefix
	search     []string
	searchFrom string // the file that set search
	// aliases maps a short name to its normalised alias; nil for one set to
	// "" (reset by a later file).
	aliases       map[string]reference.Named
	shortNameMode string // "" until a file sets one
}

// LoadRegistriesConf reads path and the *.conf drop-ins of path+".d" in name
// order, as the library does for a registries.conf named explicitly
// (types.SystemContext.SystemRegistriesConfPath): path must exist, a
// missing drop-in directory is no drop-in.
func LoadRegistriesConf(path string) (*RegistriesConf, error) {
	files := configfile.File{
		Name:                            "registries",
		Extension:                       "conf",
		CustomConfigFilePath:            path,
		CustomConfigFileDropInDirectory: path + ".d",
	}
	var in []ConfFile
	for item, err := range configfile.Read(&files) {
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(item.Reader, maxRegistriesConfBytes+1))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", item.Name, err)
		}
		if len(data) > maxRegistriesConfBytes {
			return nil, fmt.Errorf("reading %s: larger than %d bytes", item.Name, maxRegistriesConfBytes)
		}
		in = append(in, ConfFile{Name: item.Name, Data: data})
	}
	conf, err := ParseRegistriesConf(in...)
	if err != nil {
		return nil, err
	}
	conf.path = path
	return conf, nil
}

// ParseRegistriesConf merges in-memory files in the order given (the main
// file first, then drop-ins), with the library's rules: each file is
// decoded and checked on its own (the v1 format is refused; locations and
// prefixes are normalised; conflicting insecure or blocked settings for one
// location, pull-from-mirror on a primary entry, malformed wildcard
// prefixes, unqualified-search entries and short-name aliases are errors);
// then a later file's [[registry]] replaces an earlier one with the same
// prefix, and a later unqualified-search-registries list replaces the
// earlier one. Errors carry the library's text.
func ParseRegistriesConf(files ...ConfFile) (*RegistriesConf, error) {
	conf := &RegistriesConf{aliases: map[string]reference.Named{}}
	byPrefix := map[string]sysregistriesv2.Registry{}
	for _, f := range files {
		parsed, aliases, err := parseRegistriesConfFile(f.Data)
		if err != nil {
			return nil, fmt.Errorf("loading registries configuration %q: %w", f.Name, err)
		}
		conf.files = append(conf.files, f.Name)
		for _, r := range parsed.Registries {
			byPrefix[r.Prefix] = r
		}
		if parsed.UnqualifiedSearchRegistries != nil {
			conf.search, conf.searchFrom = parsed.UnqualifiedSearchRegistries, f.Name
		}
		if parsed.ShortNameMode != "" {
			conf.shortNameMode = parsed.ShortNameMode
		}
		maps.Copy(conf.aliases, aliases)
	}
	for _, prefix := range slices.Sorted(maps.Keys(byPrefix)) {
		conf.registries = append(conf.registries, byPrefix[prefix])
	}
	return conf, nil
}

// parseRegistriesConfFile is the library's loadConfigFile without the
// file system: decode, refuse v1, post-process, check wildcard prefixes,
// the short-name mode and the aliases (returned parsed).
func parseRegistriesConfFile(data []byte) (*sysregistriesv2.V2RegistriesConf, map[string]reference.Named, error) {
	var combined struct {
		sysregistriesv2.V2RegistriesConf
		sysregistriesv2.V1RegistriesConf //nolint:staticcheck // decoded only to refuse it, as the library does
	}
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&combined); err != nil {
		return nil, nil, err
	}
	if !reflect.DeepEqual(combined.V1RegistriesConf, sysregistriesv2.V1RegistriesConf{}) { //nolint:staticcheck
		return nil, nil, errors.New("registries.conf must be in v2 format but is in v1")
	}
	conf := &combined.V2RegistriesConf
	if err := postProcessRegistries(conf); err != nil {
		return nil, nil, err
	}
	switch conf.ShortNameMode {
	case "", "disabled", "enforcing", "permissive":
	default:
		return nil, nil, fmt.Errorf("invalid short-name mode: %q", conf.ShortNameMode)
	}
	for _, r := range conf.Registries {
		if strings.HasPrefix(r.Prefix, "*.") && strings.ContainsAny(r.Prefix, "/@:") {
			return nil, nil, fmt.Errorf("Wildcarded prefix should be in the format: *.example.com. Current prefix %q is incorrectly formatted", r.Prefix)
		}
	}
	aliases, err := parseAliases(conf.Aliases)
	if err != nil {
		return nil, nil, fmt.Errorf("validating short-name aliases: %w", err)
	}
	conf.Aliases = nil
	return conf, aliases, nil
}

// postProcessRegistries is the library's V2RegistriesConf.postProcessRegistries:
// normalise locations and prefixes, check mirrors, refuse one location
// defined with conflicting insecure/blocked settings, keep the first entry
// of each prefix, sort by prefix.
func postProcessRegistries(conf *sysregistriesv2.V2RegistriesConf) error {
	byLocation := map[string][]*sysregistriesv2.Registry{}
	for i := range conf.Registries {
		reg := &conf.Registries[i]
		var err error
		if reg.Location, err = parseLocation(reg.Location); err != nil {
			return err
		}
		if reg.Prefix == "" {
			if reg.Location == "" {
				return errors.New("invalid condition: both location and prefix are unset")
			}
			reg.Prefix = reg.Location
		} else {
			if reg.Prefix, err = parseLocation(reg.Prefix); err != nil {
				return err
			}
			if !strings.HasPrefix(reg.Prefix, "*.") && reg.Location == "" {
				return errors.New("invalid condition: location is unset and prefix is not in the format: *.example.com")
			}
		}
		if reg.PullFromMirror != "" {
			return fmt.Errorf("pull-from-mirror must not be set for a non-mirror registry %q", reg.Prefix)
		}
		for j := range reg.Mirrors {
			mir := &reg.Mirrors[j]
			if mir.Location, err = parseLocation(mir.Location); err != nil {
				return err
			}
			if mir.Location == "" {
				return errors.New("invalid condition: mirror location is unset")
			}
			if reg.MirrorByDigestOnly && mir.PullFromMirror != "" {
				return fmt.Errorf("cannot set mirror usage mirror-by-digest-only for the registry (%q) and pull-from-mirror for per-mirror (%q) at the same time", reg.Prefix, mir.Location)
			}
			switch mir.PullFromMirror {
			case "", sysregistriesv2.MirrorAll, sysregistriesv2.MirrorByDigestOnly, sysregistriesv2.MirrorByTagOnly:
			default:
				return fmt.Errorf("unsupported pull-from-mirror value %q for mirror %q", mir.PullFromMirror, mir.Location)
			}
		}
		key := reg.Location
		if key == "" {
			key = reg.Prefix
		}
		byLocation[key] = append(byLocation[key], reg)
	}
	for _, reg := range conf.Registries {
		key := reg.Location
		if key == "" {
			key = reg.Prefix
		}
		for _, other := range byLocation[key] {
			if reg.Insecure != other.Insecure {
				return fmt.Errorf("registry '%s' is defined multiple times with conflicting 'insecure' setting", reg.Location)
			}
			if reg.Blocked != other.Blocked {
				return fmt.Errorf("registry '%s' is defined multiple times with conflicting 'blocked' setting", reg.Location)
			}
		}
	}
	for i, entry := range conf.UnqualifiedSearchRegistries {
		registry, err := parseLocation(entry)
		if err != nil {
			return err
		}
		if !isDomain(registry) {
			return fmt.Errorf("Invalid unqualified-search-registries entry %#v", registry)
		}
		conf.UnqualifiedSearchRegistries[i] = registry
	}
	first := map[string]sysregistriesv2.Registry{}
	for _, reg := range conf.Registries {
		if _, seen := first[reg.Prefix]; !seen {
			first[reg.Prefix] = reg
		}
	}
	conf.Registries = conf.Registries[:0]
	for _, prefix := range slices.Sorted(maps.Keys(first)) {
		conf.Registries = append(conf.Registries, first[prefix])
	}
	return nil
}

// parseLocation is the library's: trailing slashes dropped, URI schemes
// refused.
func parseLocation(input string) (string, error) {
	trimmed := strings.TrimRight(input, "/")
	if strings.HasPrefix(trimmed, "http://") || strings.HasPrefix(trimmed, "https://") {
		return "", fmt.Errorf("invalid location '%s': URI schemes are not supported", input)
	}
	return trimmed, nil
}

// anchoredDomain is the library's anchoredDomainRegexp, compiled on first use.
var anchoredDomain = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile("^" + reference.DomainRegexp.String() + "$")
})

// isDomain reports whether s is a host[:port] of the reference grammar.
func isDomain(s string) bool { return anchoredDomain().MatchString(s) }

// parseAliases is the library's short-name alias validation: every
// left-hand side a short name without tag or digest, every non-empty value a
// fully qualified repository (normalised); "" resets an alias. All malformed
// entries are reported, in name order.
func parseAliases(aliases map[string]string) (map[string]reference.Named, error) {
	out := make(map[string]reference.Named, len(aliases))
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(aliases)) {
		if err := checkShortName(name); err != nil {
			errs = append(errs, err.Error())
		}
		value := aliases[name]
		if value == "" {
			out[name] = nil
			continue
		}
		named, err := parseAliasValue(value)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		out[name] = named
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

func checkShortName(name string) error {
	ref, err := reference.Parse(name)
	if err != nil {
		return fmt.Errorf("cannot parse short name: %q: %w", name, err)
	}
	if _, ok := ref.(reference.Digested); ok {
		return fmt.Errorf("invalid short name %q: must not contain digest", name)
	}
	if _, ok := ref.(reference.Tagged); ok {
		return fmt.Errorf("invalid short name %q: must not contain tag", name)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return fmt.Errorf("invalid short name %q: no name", name)
	}
	if registry := reference.Domain(named); strings.ContainsAny(registry, ".:") || registry == "localhost" {
		return fmt.Errorf("invalid short name %q: must not contain registry", name)
	}
	return nil
}

func parseAliasValue(alias string) (reference.Named, error) {
	ref, err := reference.Parse(alias)
	if err != nil {
		return nil, fmt.Errorf("parsing alias %q: %w", alias, err)
	}
	if _, ok := ref.(reference.Digested); ok {
		return nil, fmt.Errorf("invalid alias %q: must not contain digest", alias)
	}
	if _, ok := ref.(reference.Tagged); ok {
		return nil, fmt.Errorf("invalid alias %q: must not contain tag", alias)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return nil, fmt.Errorf("invalid alias %q: must contain registry and repository", alias)
	}
	if registry := reference.Domain(named); !strings.ContainsAny(registry, ".:") && registry != "localhost" {
		return nil, fmt.Errorf("invalid alias %q: must contain registry and repository", alias)
	}
	return reference.ParseNormalizedNamed(alias)
}

// FindRegistry returns the entry with the longest prefix matching ref (a
// host[:port], namespace, repository or image reference that starts with
// its host), as sysregistriesv2.FindRegistry does; nil when none matches.
// The result shares the configuration's memory and must not be modified.
func (c *RegistriesConf) FindRegistry(ref string) *sysregistriesv2.Registry {
	if c == nil {
		return nil
	}
	var best *sysregistriesv2.Registry
	for i := range c.registries {
		r := &c.registries[i]
		if refMatchesPrefix(ref, r.Prefix) && (best == nil || len(r.Prefix) > len(best.Prefix)) {
			best = r
		}
	}
	return best
}

// refMatchesPrefix is the library's refMatchingPrefix != -1: the prefix
// followed by ':', '/', '@' or the end (so "example.com:5000" matches the
// prefix "example.com", as in the library); "*.example.com" matches a host
// ending in ".example.com" before the first '/'.
func refMatchesPrefix(ref, prefix string) bool {
	if strings.HasPrefix(prefix, "*.") {
		suffix := prefix[1:]
		i := strings.Index(ref, suffix)
		if i == -1 || strings.Contains(ref[:i], "/") {
			return false
		}
		i += len(suffix)
		return i == len(ref) || ref[i] == ':' || ref[i] == '/' || ref[i] == '@'
	}
	if !strings.HasPrefix(ref, prefix) {
		return false
	}
	if len(ref) == len(prefix) {
		return true
	}
	c := ref[len(prefix)]
	return c == ':' || c == '/' || c == '@'
}

// Registries returns the merged [[registry]] entries, sorted by prefix. The
// slice is a copy; the entries' mirror lists are shared and must not be
// modified.
func (c *RegistriesConf) Registries() []sysregistriesv2.Registry {
	if c == nil {
		return nil
	}
	return slices.Clone(c.registries)
}

// UnqualifiedSearchRegistries returns the merged unqualified-search-registries.
func (c *RegistriesConf) UnqualifiedSearchRegistries() []string {
	if c == nil {
		return nil
	}
	return slices.Clone(c.search)
}

// Path is the main file's path when the configuration was read from disk,
// "" otherwise.
func (c *RegistriesConf) Path() string {
	if c == nil {
		return ""
	}
	return c.path
}

// SamePullSources reports whether c and o send every pull to the same
// places: the same [[registry]] entries (mirrors, blocks, insecure
// endpoints). A nil configuration has none.
func (c *RegistriesConf) SamePullSources(o *RegistriesConf) bool {
	a, b := c.Registries(), o.Registries()
	return len(a) == 0 && len(b) == 0 || reflect.DeepEqual(a, b)
}

// Describe names the files the configuration was read from, for messages
// (as sysregistriesv2.ConfigurationSourceDescription does).
func (c *RegistriesConf) Describe() string {
	if c == nil || len(c.files) == 0 {
		return "no registries.conf"
	}
	return fmt.Sprintf("%q", c.files)
}
