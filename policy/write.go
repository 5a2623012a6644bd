package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Paths of the rendered files, relative to the node's root.
const (
	PolicyJSONPath       = "etc/containers/policy.json"
	NamespacePolicyDir   = "etc/crio/policies"
	RegistriesConfPath   = "etc/containers/registries.conf"
	SearchRegistriesPath = "etc/containers/registries.conf.d/01-image-searchRegistries.conf"
	RegistriesDPath      = "etc/containers/registries.d/sigstore-registries.yaml"
)

// Files returns every rendered file keyed by its path relative to the root.
func (r *Rendered) Files() map[string][]byte {
	files := map[string][]byte{PolicyJSONPath: r.PolicyJSON}
	for ns, data := range r.NamespacePolicies {
		files[filepath.Join(NamespacePolicyDir, ns+".json")] = data
	}
	if r.RegistriesConf != nil {
		files[RegistriesConfPath] = r.RegistriesConf
	}
	if r.SearchRegistries != nil {
		files[SearchRegistriesPath] = r.SearchRegistries
	}
	if r.RegistriesD != nil {
		files[RegistriesDPath] = r.RegistriesD
	}
	return files
}

// WriteDir lays the files out under dir as on a node. Each file is replaced
// atomically (temporary file in the same directory, then rename). Files a
// previous render left behind that this render does not produce — namespace
// policies, the search registries drop-in and the registries.d file — are
// removed, as the MCO's machine config replaces the whole set.
func (r *Rendered) WriteDir(dir string) error {
	files := r.Files()
	for _, rel := range sortedKeys(files) {
		if err := writeAtomic(filepath.Join(dir, rel), files[rel]); err != nil {
			return err
		}
	}
	return removeStale(dir, files)
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func removeStale(dir string, keep map[string][]byte) error {
	stale, err := filepath.Glob(filepath.Join(dir, NamespacePolicyDir, "*.json"))
	if err != nil {
		return err
	}
	stale = append(stale, filepath.Join(dir, RegistriesDPath), filepath.Join(dir, SearchRegistriesPath))
	for _, path := range stale {
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if _, ok := keep[rel]; ok || strings.HasPrefix(filepath.Base(path), ".") {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
