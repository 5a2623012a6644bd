package simulate

import (
	"errors"
	"io"

	"github.com/sigpolicy/sigpolicy/internal/manifest"
	"github.com/sigpolicy/sigpolicy/policy"
)

// LoadOptions tune workload decoding; the zero value is the default.
type LoadOptions struct {
	// DefaultNamespace is the namespace of workloads whose manifest names
	// none. Default: DefaultNamespace ("default").
	DefaultNamespace string
	// Stdin is read for the path "-". Default: os.Stdin.
	Stdin io.Reader
}

func (o LoadOptions) withDefaults() LoadOptions {
	if o.DefaultNamespace == "" {
		o.DefaultNamespace = DefaultNamespace
	}
	return o
}

// LoadWorkloads reads the containers of the workloads in paths: files,
// directories (recursively, *.yaml, *.yml and *.json) or "-" for standard
// input. Every unreadable input and malformed document is reported, joined
// in one error; ErrNoWorkloads when no image was found at all.
func LoadWorkloads(opts LoadOptions, paths ...string) (*Inventory, error) {
	o := opts.withDefaults()
	inv := &Inventory{}
	var errs []error
	for f, err := range manifest.Files(o.Stdin, paths...) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f.Skipped != "" {
			inv.Notes = append(inv.Notes, policy.Note{Source: policy.Source{File: f.Name, Item: -1}, Message: "skipped: " + f.Skipped})
			continue
		}
		errs = append(errs, decodeFile(o, inv, f.Name, f.Data)...)
	}
	return finish(inv, errs)
}

// ReadWorkloads reads the containers of the workloads in r; name is the
// source name used in messages.
func ReadWorkloads(name string, r io.Reader, opts LoadOptions) (*Inventory, error) {
	data, err := manifest.ReadAll(name, r)
	if err != nil {
		return nil, err
	}
	inv := &Inventory{}
	return finish(inv, decodeFile(opts.withDefaults(), inv, name, data))
}

func finish(inv *Inventory, errs []error) (*Inventory, error) {
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(inv.Containers) == 0 {
		return nil, ErrNoWorkloads
	}
	return inv, nil
}
