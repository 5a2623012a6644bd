package cluster

import (
	"errors"
	"fmt"
	"path"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// InvalidError reports cluster objects that fail validation: nothing was
// compiled.
type InvalidError struct {
	Errs []*policy.FieldError
}

func (e *InvalidError) Error() string {
	msgs := make([]error, len(e.Errs))
	for i, fe := range e.Errs {
		msgs[i] = fe
	}
	return "invalid policy resources: " + errors.Join(msgs...).Error()
}

// Unwrap lets errors.As reach each *policy.FieldError.
func (e *InvalidError) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, fe := range e.Errs {
		out[i] = fe
	}
	return out
}

// Compile validates set, renders it as the MCO does (policy.Render) and
// parses every rendered file (policy files, registries.d, registries.conf
// and its search-registries drop-in) as CRI-O would: an *InvalidError for
// objects that do not validate, the MCO's own error when it would refuse to
// render.
func Compile(set *policy.Set, opts policy.RenderOptions) (*Compiled, error) {
	if errs := set.Validate(); len(errs) > 0 {
		return nil, &InvalidError{Errs: errs}
	}
	rendered, err := policy.Render(set, opts)
	if err != nil {
		return nil, err
	}
	registriesD, err := node.ParseRegistriesD(map[string][]byte{"sigstore-registries.yaml": rendered.RegistriesD})
	if err != nil {
		return nil, fmt.Errorf("rendered registries.d: %w", err)
	}
	confFiles := []node.ConfFile{{Name: "rendered " + policy.RegistriesConfPath, Data: rendered.RegistriesConf}}
	if rendered.SearchRegistries != nil {
		confFiles = append(confFiles, node.ConfFile{Name: "rendered " + policy.SearchRegistriesPath, Data: rendered.SearchRegistries})
	}
	registriesConf, err := node.ParseRegistriesConf(confFiles...)
	if err != nil {
		return nil, err
	}
	c := &Compiled{Set: set, Rendered: rendered, namespaces: map[string]namespaceConfig{}}
	c.cluster, err = renderedConfig(policy.PolicyJSONPath, rendered.PolicyJSON, registriesD, registriesConf)
	if err != nil {
		return nil, err
	}
	for ns, data := range rendered.NamespacePolicies {
		cfg, err := renderedConfig(path.Join(policy.NamespacePolicyDir, ns+".json"), data, registriesD, registriesConf)
		if err != nil {
			return nil, err
		}
		c.namespaces[ns] = namespaceConfig{config: cfg}
	}
	return c, nil
}

// renderedConfig parses a rendered policy file; rendered files always
// parse, so an error here is a renderer fault and fails the compile.
func renderedConfig(path string, data []byte, registriesD *node.Registries, registriesConf *node.RegistriesConf) (node.Config, error) {
	name := "rendered " + path
	pol, err := node.ParsePolicy(data)
	if err != nil {
		return node.Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return node.Config{PolicyName: name, Policy: pol, RegistriesD: registriesD, RegistriesConf: registriesConf}, nil
}
