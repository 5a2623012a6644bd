package libref

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// Node is a node's image configuration on disk, written once by WriteNode.
// It is safe for concurrent use.
type Node struct {
	// Root is the node's root directory: Root/etc/containers holds
	// policy.json, registries.d/ and registries.conf.
	Root string
	sys  types.SystemContext
}

// Paths of a Node's files under its Root, as on a node.
const (
	PolicyPath         = "etc/containers/policy.json"
	RegistriesDPath    = "etc/containers/registries.d"
	RegistriesConfPath = "etc/containers/registries.conf"
)

// Inputs are the node files the library reads for a pull.
type Inputs struct {
	PolicyJSON []byte
	// RegistriesD maps registries.d file names to their YAML.
	RegistriesD map[string][]byte
	// RegistriesConf is a registries.conf (v2); empty means no mirrors and
	// no blocked prefixes.
	RegistriesConf []byte
}

// WriteNode writes in under root, which must exist.
func WriteNode(root string, in Inputs) (*Node, error) {
	regD := filepath.Join(root, RegistriesDPath)
	if err := os.MkdirAll(regD, 0o700); err != nil {
		return nil, fmt.Errorf("libref: %w", err)
	}
	for name, data := range in.RegistriesD {
		if name != filepath.Base(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("libref: registries.d file name %q must be a plain file name", name)
		}
		if err := os.WriteFile(filepath.Join(regD, name), data, 0o600); err != nil {
			return nil, fmt.Errorf("libref: %w", err)
		}
	}
	files := map[string][]byte{PolicyPath: in.PolicyJSON, RegistriesConfPath: in.RegistriesConf}
	for path, data := range files {
		if err := os.WriteFile(filepath.Join(root, path), data, 0o600); err != nil {
			return nil, fmt.Errorf("libref: %w", err)
		}
	}
	return OpenNode(root), nil
}

// OpenNode is the node whose files are already under root, at the Paths
// WriteNode uses (where `sigpolicy render -o` writes them).
func OpenNode(root string) *Node {
	return &Node{Root: root, sys: types.SystemContext{
		SignaturePolicyPath:         filepath.Join(root, PolicyPath),
		RegistriesDirPath:           filepath.Join(root, RegistriesDPath),
		SystemRegistriesConfPath:    filepath.Join(root, RegistriesConfPath),
		SystemRegistriesConfDirPath: filepath.Join(root, RegistriesConfPath+".d"),
		AuthFilePath:                filepath.Join(root, "run/containers/auth.json"),
	}}
}

// AllowedInstance decides one pull of imageRef (a docker reference without
// transport, e.g. "127.0.0.1:5000/ns/app:v1") as CRI-O does: instance, when
// not empty, is the manifest-list instance the pull resolves to; otherwise
// imageRef's own manifest is judged.
func (n *Node) AllowedInstance(ctx context.Context, imageRef string, instance digest.Digest) (allowed bool, err error) {
	sys := n.sys // prepareReference's shallow copy
	policy, err := signature.DefaultPolicy(&sys)
	if err != nil {
		return false, fmt.Errorf("libref: parsing policy: %w", err)
	}
	pc, err := signature.NewPolicyContext(policy)
	if err != nil {
		return false, fmt.Errorf("libref: policy context: %w", err)
	}
	defer func() {
		if derr := pc.Destroy(); derr != nil && err == nil {
			allowed, err = false, fmt.Errorf("libref: destroying policy context: %w", derr)
		}
	}()

	ref, err := docker.ParseReference("//" + strings.TrimPrefix(imageRef, "docker://"))
	if err != nil {
		return false, fmt.Errorf("libref: parsing image reference %q: %w", imageRef, err)
	}
	if loopback(ref.DockerReference().String()) {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	}
	src, err := ref.NewImageSource(ctx, &sys)
	if err != nil {
		return false, fmt.Errorf("libref: opening %q: %w", imageRef, err)
	}
	defer src.Close()

	if instance == "" {
		return pc.IsRunningImageAllowed(ctx, image.UnparsedInstance(src, nil))
	}
	// copy.Image reads the manifest list before it picks the instance.
	top, mimeType, err := image.UnparsedInstance(src, nil).Manifest(ctx)
	if err != nil {
		return false, fmt.Errorf("libref: reading %q: %w", imageRef, err)
	}
	list, err := manifest.ListFromBlob(top, mimeType)
	if err != nil {
		return false, fmt.Errorf("libref: parsing manifest list %q: %w", imageRef, err)
	}
	if !slices.Contains(list.Instances(), instance) {
		return false, fmt.Errorf("libref: %s is not an instance of %q", instance, imageRef)
	}
	return pc.IsRunningImageAllowed(ctx, image.UnparsedInstance(src, &instance))
}

// loopback reports whether a docker reference's registry is in 127.0.0.0/8
// or localhost, which CRI-O always treats as an insecure registry.
func loopback(ref string) bool {
	host, _, _ := strings.Cut(ref, "/")
	if h, _, found := strings.Cut(host, ":"); found && !strings.HasPrefix(host, "[") {
		host = h
	}
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "[::1]" || strings.HasPrefix(host, "[::1]:")
}

// Allowed reports whether the library allows pulling imageRef under
// policyJSON, with registriesD as the registries.d directory, on a node
// written for this one call. For a manifest list the top-level manifest is
// judged.
func Allowed(ctx context.Context, policyJSON []byte, registriesD map[string][]byte, imageRef string) (bool, error) {
	return AllowedInstance(ctx, policyJSON, registriesD, imageRef, "")
}

// AllowedInstance is Allowed for one instance of a manifest list, as CRI-O
// judges the per-platform image it pulls; an empty instance judges
// imageRef's own manifest.
func AllowedInstance(ctx context.Context, policyJSON []byte, registriesD map[string][]byte, imageRef string, instance digest.Digest) (bool, error) {
	return AllowedWith(ctx, Inputs{PolicyJSON: policyJSON, RegistriesD: registriesD}, imageRef, instance)
}

// AllowedWith is AllowedInstance with every node file given.
func AllowedWith(ctx context.Context, in Inputs, imageRef string, instance digest.Digest) (bool, error) {
	dir, err := os.MkdirTemp("", "libref-")
	if err != nil {
		return false, fmt.Errorf("libref: %w", err)
	}
	defer os.RemoveAll(dir)
	n, err := WriteNode(dir, in)
	if err != nil {
		return false, err
	}
	return n.AllowedInstance(ctx, imageRef, instance)
}

// RegistriesD returns a registries.d file (name and YAML) enabling sigstore
// attachments for each scope, as the MCO writes sigstore-registries.yaml.
func RegistriesD(scopes ...string) map[string][]byte {
	var b strings.Builder
	b.WriteString("docker:\n")
	for _, s := range scopes {
		fmt.Fprintf(&b, "  %q:\n    use-sigstore-attachments: true\n", s)
	}
	return map[string][]byte{"sigstore-registries.yaml": []byte(b.String())}
}
