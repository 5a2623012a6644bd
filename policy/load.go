package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxInputBytes caps one input file; policy manifests are kilobytes.
const maxInputBytes = 32 << 20

// LoadOptions tune decoding. The zero value is the strict default.
type LoadOptions struct {
	// PruneUnknownFields drops unknown fields silently, as the API server
	// does for clients that do not request strict field validation.
	// Default: unknown fields are validation errors.
	PruneUnknownFields bool
	// AllowUnnamed accepts objects without metadata.name, as the API server
	// does for objects created with metadata.generateName. Default: a name
	// is required.
	AllowUnnamed bool
	// Stdin is read for the path "-". Default: os.Stdin.
	Stdin io.Reader
}

// Load decodes the policy objects in paths: files, directories (recursively,
// *.yaml, *.yml and *.json) or "-" for standard input. The error reports
// unreadable or unparsable inputs (a *LoadError) or ErrNoObjects; validation
// failures are reported by Set.Validate.
func Load(paths ...string) (*Set, error) { return LoadWithOptions(LoadOptions{}, paths...) }

// LoadWithOptions is Load with options.
func LoadWithOptions(opts LoadOptions, paths ...string) (*Set, error) {
	d := newDecoder(opts)
	var errs []error
	for _, p := range paths {
		errs = append(errs, d.loadPath(p)...)
	}
	return d.finish(errs)
}

// LoadReader decodes the policy objects read from r; name is the source name
// used in messages.
func LoadReader(name string, r io.Reader, opts LoadOptions) (*Set, error) {
	d := newDecoder(opts)
	data, err := readCapped(r)
	if err != nil {
		return nil, &LoadError{Errs: []error{fmt.Errorf("%s: %w", name, err)}}
	}
	return d.finish(d.decodeFile(name, data))
}

func (d *decoder) finish(errs []error) (*Set, error) {
	if len(errs) > 0 {
		return nil, &LoadError{Errs: errs}
	}
	if len(d.set.Objects) == 0 && d.set.ImageConfig == nil {
		return nil, ErrNoObjects
	}
	return d.set, nil
}

func (d *decoder) loadPath(p string) []error {
	if p == "-" {
		stdin := d.opts.Stdin
		if stdin == nil {
			stdin = os.Stdin
		}
		data, err := readCapped(stdin)
		if err != nil {
			return []error{fmt.Errorf("standard input: %w", err)}
		}
		return d.decodeFile("-", data)
	}
	info, err := os.Stat(p)
	if err != nil {
		return []error{err}
	}
	if !info.IsDir() {
		return d.loadFile(p)
	}
	var errs []error
	walkErr := filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if !e.IsDir() && isManifest(path) {
			errs = append(errs, d.loadFile(path)...)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	return errs
}

func isManifest(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func (d *decoder) loadFile(path string) []error {
	f, err := os.Open(path)
	if err != nil {
		return []error{err}
	}
	defer f.Close()
	data, err := readCapped(f)
	if err != nil {
		return []error{fmt.Errorf("%s: %w", path, err)}
	}
	return d.decodeFile(path, data)
}

func readCapped(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputBytes {
		return nil, fmt.Errorf("input larger than %d bytes", maxInputBytes)
	}
	return data, nil
}

// errEmpty is reported for an input without any document.
var errEmpty = errors.New("empty input: no YAML or JSON document")

func isBlank(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return false
		}
	}
	return true
}

// LoadImageConfig reads a file holding only the cluster image configuration
// (kind Image, name "cluster").
func LoadImageConfig(path string, opts LoadOptions) (*ImageConfig, error) {
	set, err := LoadWithOptions(opts, path)
	if err != nil {
		return nil, err
	}
	if len(set.Objects) > 0 || set.ImageConfig == nil {
		return nil, fmt.Errorf("%s: want only the cluster image configuration (kind Image, name \"cluster\"), found %d policy object(s)", path, len(set.Objects))
	}
	return set.ImageConfig, nil
}
