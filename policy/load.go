package policy

import (
	"fmt"
	"io"
	"strings"

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
// (kind Image, name "cluster"). Any other object in the file is an error:
// only the returned config is used, so the others would vanish unchecked.
// The config's own validation failures are reported by its Errors, as for
// an Image loaded with the inputs.
func LoadImageConfig(path string, opts LoadOptions) (*ImageConfig, error) {
	set, err := LoadWithOptions(opts, path)
	if err != nil {
		return nil, err
	}
	const want = `want only the cluster image configuration (one object of kind Image, name "cluster")`
	if others := len(set.Objects) + len(set.MirrorSets); others > 0 {
		return nil, fmt.Errorf("%s: %s, found %d object(s) of other kinds", path, want, others)
	}
	if len(set.Images) != 1 || set.ImageConfig == nil {
		names := make([]string, len(set.Images))
		for i, ic := range set.Images {
			names[i] = fmt.Sprintf("%q (%s)", ic.Image.Name, ic.Source)
		}
		return nil, fmt.Errorf("%s: %s, found %d Image object(s): %s", path, want, len(set.Images), strings.Join(names, ", "))
	}
	// A ClusterVersion, or an object skipped with a note, would vanish too.
	if len(set.Notes) > 0 {
		return nil, fmt.Errorf("%s: %s, found also: %s", path, want, set.Notes[0])
	}
	return set.ImageConfig, nil
}
