package policy

import (
	"fmt"
	"io"

	manifests "github.com/sigpolicy/sigpolicy/internal/manifest"
)

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
	// IncludeOpenShiftDefault adds the default ClusterImagePolicy
	// "openshift" of current clusters (OpenShiftDefaultPolicy) after the
	// inputs, unless they define one of that name. Default: only the inputs.
	IncludeOpenShiftDefault bool
}

// Load decodes the objects in paths: files, directories (recursively,
// *.yaml, *.yml and *.json) or "-" for standard input. The error reports
// unreadable or unparsable inputs (a *LoadError) or ErrNoObjects; validation
// failures are reported by Set.Validate.
func Load(paths ...string) (*Set, error) { return LoadWithOptions(LoadOptions{}, paths...) }

// LoadWithOptions is Load with options.
func LoadWithOptions(opts LoadOptions, paths ...string) (*Set, error) {
	d := newDecoder(opts)
	var errs []error
	for f, err := range manifests.Files(opts.Stdin, paths...) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f.Skipped != "" {
			d.note(Source{File: f.Name, Item: -1}, "skipped: "+f.Skipped)
			continue
		}
		errs = append(errs, d.decodeFile(f.Name, f.Data)...)
	}
	return d.finish(errs)
}

// LoadReader decodes the objects read from r; name is the source name
// used in messages.
func LoadReader(name string, r io.Reader, opts LoadOptions) (*Set, error) {
	data, err := manifests.ReadAll(name, r)
	if err != nil {
		return nil, &LoadError{Errs: []error{err}}
	}
	d := newDecoder(opts)
	return d.finish(d.decodeFile(name, data))
}

func (d *decoder) finish(errs []error) (*Set, error) {
	if len(errs) > 0 {
		return nil, &LoadError{Errs: errs}
	}
	if len(d.set.Objects) == 0 && len(d.set.MirrorSets) == 0 && len(d.set.Images) == 0 {
		return nil, ErrNoObjects
	}
	if d.opts.IncludeOpenShiftDefault {
		if err := d.addOpenShiftDefault(); err != nil {
			return nil, &LoadError{Errs: []error{err}}
		}
	}
	return d.set, nil
}

// LoadImageConfig reads a file holding only the cluster image configuration
// (kind Image, name "cluster").
func LoadImageConfig(path string, opts LoadOptions) (*ImageConfig, error) {
	set, err := LoadWithOptions(opts, path)
	if err != nil {
		return nil, err
	}
	if others := len(set.Objects) + len(set.MirrorSets); others > 0 || set.ImageConfig == nil {
		return nil, fmt.Errorf("%s: want only the cluster image configuration (kind Image, name \"cluster\"), found %d other object(s)", path, others)
	}
	return set.ImageConfig, nil
}
