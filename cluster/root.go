package cluster

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigpolicy/sigpolicy/policy"
	"github.com/sigpolicy/sigpolicy/policy/node"
)

// registriesDDir is the node's registries.d, where the MCO writes its file.
var registriesDDir = filepath.Dir(policy.RegistriesDPath)

// FromRoot reads a node's files under root: the cluster policy, every
// namespace policy file, registries.d and, when it exists, registries.conf
// with its drop-ins. A namespace file that cannot be parsed fails only that
// namespace (Compiled.Node reports it), as it fails only that namespace's
// pulls in CRI-O; everything else must load.
func FromRoot(root string) (*Compiled, error) {
	registriesD, err := node.LoadRegistriesD(filepath.Join(root, registriesDDir))
	if err != nil {
		return nil, err
	}
	var registriesConf *node.RegistriesConf
	if conf := filepath.Join(root, policy.RegistriesConfPath); isRegularFile(conf) {
		if registriesConf, err = node.LoadRegistriesConf(conf); err != nil {
			return nil, err
		}
	}
	c := &Compiled{namespaces: map[string]namespaceConfig{}}
	if c.cluster, err = loadConfig(filepath.Join(root, policy.PolicyJSONPath), registriesD, registriesConf); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(root, policy.NamespacePolicyDir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		ns, ok := strings.CutSuffix(e.Name(), ".json")
		path := filepath.Join(root, policy.NamespacePolicyDir, e.Name())
		if !ok || !isRegularFile(path) {
			continue
		}
		cfg, err := loadConfig(path, registriesD, registriesConf)
		c.namespaces[ns] = namespaceConfig{config: cfg, err: err}
	}
	return c, nil
}

// FromPolicyFile reads one policy.json, applied to every namespace, and the
// registries.d directory registriesD ("" for none).
func FromPolicyFile(path, registriesD string) (*Compiled, error) {
	regs := &node.Registries{Docker: map[string]node.RegistryNamespace{}}
	if registriesD != "" {
		var err error
		if regs, err = node.LoadRegistriesD(registriesD); err != nil {
			return nil, err
		}
	}
	cfg, err := loadConfig(path, regs, nil)
	if err != nil {
		return nil, err
	}
	return &Compiled{cluster: cfg}, nil
}

func loadConfig(path string, registriesD *node.Registries, registriesConf *node.RegistriesConf) (node.Config, error) {
	pol, err := node.LoadPolicy(path)
	if err != nil {
		return node.Config{}, err
	}
	return node.Config{PolicyName: path, Policy: pol, RegistriesD: registriesD, RegistriesConf: registriesConf}, nil
}

func isRegularFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}
