package verify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// Source says where an Engine's policy comes from: exactly one of
// Resources, Root and PolicyFile.
type Source struct {
	// Resources are ClusterImagePolicy/ImagePolicy files or directories,
	// validated and rendered as the MCO does; Namespace picks that
	// namespace's policy.
	Resources []string
	// Root is a node's root directory: Root/etc/crio/policies/<Namespace>.json
	// when it exists, else Root/etc/containers/policy.json, with
	// Root/etc/containers/registries.d.
	Root string
	// PolicyFile is a policy.json, with RegistriesD as its registries.d.
	PolicyFile  string
	RegistriesD string

	Namespace string
	// RegistriesConf is a registries.conf (v2) whose mirrors the fetcher
	// follows; with Root it defaults to Root/etc/containers/registries.conf
	// when that file exists.
	RegistriesConf string
}

// Load builds an Engine from src. fetchOpts configure the registry client;
// engineOpts are applied after the policy options Load derives from src.
func Load(src Source, fetchOpts []fetch.Option, engineOpts ...Option) (*Engine, error) {
	set := 0
	for _, given := range []bool{len(src.Resources) > 0, src.Root != "", src.PolicyFile != ""} {
		if given {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("exactly one policy source is needed: resources (-f), a node root (--root) or a policy file (--policy)")
	}
	if src.RegistriesD != "" && src.PolicyFile == "" {
		return nil, errors.New("a registries.d directory goes with a policy file (--policy)")
	}
	if src.Namespace != "" && src.PolicyFile != "" {
		return nil, errors.New("a namespace goes with resources (-f) or a node root (--root), not with a policy file")
	}
	if src.Namespace != "" {
		// It names a file under Root: it must be a namespace name, not a path.
		if errs := validation.IsDNS1123Label(src.Namespace); len(errs) > 0 {
			return nil, fmt.Errorf("invalid namespace %q: %s", src.Namespace, strings.Join(errs, "; "))
		}
	}

	var (
		pol      *node.Policy
		regs     *node.Registries
		name     string
		err      error
		regsConf = src.RegistriesConf
	)
	switch {
	case len(src.Resources) > 0:
		pol, regs, name, err = fromResources(src.Resources, src.Namespace)
	case src.Root != "":
		pol, regs, name, err = fromRoot(src.Root, src.Namespace)
		if regsConf == "" {
			if c := filepath.Join(src.Root, "etc/containers/registries.conf"); fileExists(c) {
				regsConf = c
			}
		}
	default:
		name = src.PolicyFile
		pol, err = node.LoadPolicy(src.PolicyFile)
		if err == nil {
			regs, err = loadRegistriesD(src.RegistriesD)
		}
	}
	if err != nil {
		return nil, err
	}
	if regsConf != "" {
		fetchOpts = append(fetchOpts, fetch.WithRegistriesConf(regsConf))
	}
	fetcher, err := fetch.New(fetchOpts...)
	if err != nil {
		return nil, err
	}
	opts := append([]Option{WithPolicyFile(name), WithRegistries(regs), WithFetcher(fetcher)}, engineOpts...)
	return New(pol, opts...)
}

func fromResources(paths []string, namespace string) (*node.Policy, *node.Registries, string, error) {
	set, err := policy.Load(paths...)
	if err != nil {
		return nil, nil, "", err
	}
	if errs := set.Validate(); len(errs) > 0 {
		return nil, nil, "", fmt.Errorf("invalid policy resources: %w", errors.Join(asErrors(errs)...))
	}
	rendered, err := policy.Render(set, policy.RenderOptions{})
	if err != nil {
		return nil, nil, "", err
	}
	data, name := rendered.PolicyJSON, "rendered etc/containers/policy.json"
	if nsData, ok := rendered.NamespacePolicies[namespace]; ok && namespace != "" {
		data, name = nsData, fmt.Sprintf("rendered etc/crio/policies/%s.json", namespace)
	}
	pol, err := node.ParsePolicy(data)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", name, err)
	}
	regs, err := node.ParseRegistriesD(map[string][]byte{"sigstore-registries.yaml": rendered.RegistriesD})
	if err != nil {
		return nil, nil, "", fmt.Errorf("rendered registries.d: %w", err)
	}
	return pol, regs, name, nil
}

func fromRoot(root, namespace string) (*node.Policy, *node.Registries, string, error) {
	path := filepath.Join(root, "etc/containers/policy.json")
	if namespace != "" {
		if p := filepath.Join(root, "etc/crio/policies", namespace+".json"); fileExists(p) {
			path = p
		}
	}
	pol, err := node.LoadPolicy(path)
	if err != nil {
		return nil, nil, "", err
	}
	regs, err := loadRegistriesD(filepath.Join(root, "etc/containers/registries.d"))
	if err != nil {
		return nil, nil, "", err
	}
	return pol, regs, path, nil
}

func loadRegistriesD(dir string) (*node.Registries, error) {
	if dir == "" {
		return &node.Registries{}, nil
	}
	return node.LoadRegistriesD(dir)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func asErrors[E error](errs []E) []error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}
