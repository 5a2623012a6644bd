package node

import (
	"fmt"
	"io"
	"slices"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage/pkg/configfile"
)

// Registries is a registries.d directory, merged as the library's docker
// transport merges it (docker/registries_d.go, loadRegistryConfiguration).
type Registries struct {
	// DefaultDocker applies when no Docker namespace sets a field.
	DefaultDocker *RegistryNamespace
	// Docker maps a scope (as in policy.json's docker transport) to its
	// settings. Never nil.
	Docker map[string]RegistryNamespace
}

// RegistryNamespace is one "docker" entry or "default-docker". A field left
// empty (nil) falls through to the next scope of the walk.
type RegistryNamespace struct {
	Lookaside              string `yaml:"lookaside"`
	LookasideStaging       string `yaml:"lookaside-staging"`
	SigStore               string `yaml:"sigstore"`
	SigStoreStaging        string `yaml:"sigstore-staging"`
	UseSigstoreAttachments *bool  `yaml:"use-sigstore-attachments,omitempty"`
}

// registriesFile is one registries.d file.
type registriesFile struct {
	DefaultDocker *RegistryNamespace           `yaml:"default-docker"`
	Docker        map[string]RegistryNamespace `yaml:"docker"`
}

// LoadRegistriesD reads every *.yaml file of dir in name order (the library's
// configfile drop-in rules: subdirectories and other names are ignored) and
// merges them. A missing dir is an empty configuration; "default-docker"
// or a "docker" scope defined in two files is an error naming both.
func LoadRegistriesD(dir string) (*Registries, error) {
	files := configfile.File{
		Name:                            "registries",
		Extension:                       "yaml",
		DoNotLoadMainFiles:              true,
		DoNotUseExtensionForConfigName:  true,
		CustomConfigFileDropInDirectory: dir,
	}
	m := newRegistriesMerger()
	for item, err := range configfile.Read(&files) {
		if err != nil {
			return nil, err
		}
		contents, err := io.ReadAll(item.Reader)
		if err != nil {
			return nil, err
		}
		if err := m.add(item.Name, contents); err != nil {
			return nil, err
		}
	}
	return m.merged, nil
}

// ParseRegistriesD merges in-memory registries.d files (name → YAML) in
// name order, with LoadRegistriesD's rules. It serves configurations that
// exist only in memory, such as a freshly rendered sigstore-registries.yaml.
func ParseRegistriesD(files map[string][]byte) (*Registries, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	m := newRegistriesMerger()
	for _, name := range names {
		if err := m.add(name, files[name]); err != nil {
			return nil, err
		}
	}
	return m.merged, nil
}

// registriesMerger merges registries.d files, remembering where each entry
// came from to name both files of a duplicate.
type registriesMerger struct {
	merged      *Registries
	defaultFrom string
	scopeFrom   map[string]string
}

func newRegistriesMerger() *registriesMerger {
	return &registriesMerger{merged: &Registries{Docker: map[string]RegistryNamespace{}}, scopeFrom: map[string]string{}}
}

func (m *registriesMerger) add(name string, contents []byte) error {
	file, err := decodeRegistriesFile(contents)
	if err != nil {
		return fmt.Errorf("parsing %s: %w", name, err)
	}
	if file.DefaultDocker != nil {
		if m.merged.DefaultDocker != nil {
			return fmt.Errorf(`Error parsing signature storage configuration: "default-docker" defined both in %q and %q`, m.defaultFrom, name)
		}
		m.merged.DefaultDocker, m.defaultFrom = file.DefaultDocker, name
	}
	for scope, ns := range file.Docker {
		if _, dup := m.merged.Docker[scope]; dup {
			return fmt.Errorf(`Error parsing signature storage configuration: "docker" namespace %q defined both in %q and %q`, scope, m.scopeFrom[scope], name)
		}
		m.merged.Docker[scope], m.scopeFrom[scope] = ns, name
	}
	return nil
}

func setsAttachments(ns RegistryNamespace) bool { return ns.UseSigstoreAttachments != nil }

// UseSigstoreAttachments reports whether signatures of ref are read from
// sigstore attachments (the .sig tag): the first scope of the walk that
// sets use-sigstore-attachments decides, then default-docker, else false.
func (r *Registries) UseSigstoreAttachments(ref reference.Named) bool {
	if ns, _, _, ok := walkScopes(r.Docker, ref, setsAttachments); ok {
		return *ns.UseSigstoreAttachments
	}
	if r.DefaultDocker != nil && r.DefaultDocker.UseSigstoreAttachments != nil {
		return *r.DefaultDocker.UseSigstoreAttachments
	}
	return false
}

// LookasideTopLevel returns the lookaside (signature storage) base for ref
// from the first scope of the walk that has one, then default-docker; ""
// when none does (the library then uses its built-in local directory).
// write selects the staging location when one is set.
func (r *Registries) LookasideTopLevel(ref reference.Named, write bool) string {
	pick := func(ns RegistryNamespace) bool { return ns.lookaside(write) != "" }
	if ns, _, _, ok := walkScopes(r.Docker, ref, pick); ok {
		return ns.lookaside(write)
	}
	if r.DefaultDocker != nil {
		return r.DefaultDocker.lookaside(write)
	}
	return ""
}

// lookaside is the library's registryNamespace.signatureTopLevel: staging
// locations first when writing, the deprecated sigstore names after the
// lookaside ones.
func (ns RegistryNamespace) lookaside(write bool) string {
	if write {
		if ns.LookasideStaging != "" {
			return ns.LookasideStaging
		}
		if ns.SigStoreStaging != "" {
			return ns.SigStoreStaging
		}
	}
	if ns.Lookaside != "" {
		return ns.Lookaside
	}
	return ns.SigStore
}
