package libref

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/image"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
)

// Allowed reports whether the library allows pulling imageRef (a docker
// reference without transport, e.g. "127.0.0.1:5000/ns/app:v1") under
// policyJSON, with registriesD as the registries.d directory. For a manifest
// list the top-level manifest is judged.
func Allowed(ctx context.Context, policyJSON []byte, registriesD map[string][]byte, imageRef string) (bool, error) {
	return AllowedInstance(ctx, policyJSON, registriesD, imageRef, "")
}

// AllowedInstance is Allowed for one instance of a manifest list, as CRI-O
// judges the per-platform image it pulls; an empty instance judges imageRef's
// own manifest.
func AllowedInstance(ctx context.Context, policyJSON []byte, registriesD map[string][]byte, imageRef string, instance digest.Digest) (allowed bool, err error) {
	return AllowedWith(ctx, Inputs{PolicyJSON: policyJSON, RegistriesD: registriesD}, imageRef, instance)
}

// Inputs are the node files the library reads for a pull.
type Inputs struct {
	PolicyJSON []byte
	// RegistriesD maps registries.d file names to their YAML.
	RegistriesD map[string][]byte
	// RegistriesConf is a registries.conf (v2) with mirrors and blocked
	// prefixes; empty means none.
	RegistriesConf []byte
}

// AllowedWith is AllowedInstance with every node file given.
func AllowedWith(ctx context.Context, in Inputs, imageRef string, instance digest.Digest) (allowed bool, err error) {
	policy, err := signature.NewPolicyFromBytes(in.PolicyJSON)
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

	sys, cleanup, err := systemContext(in.RegistriesD, in.RegistriesConf)
	if err != nil {
		return false, err
	}
	defer cleanup()

	ref, err := docker.ParseReference("//" + strings.TrimPrefix(imageRef, "docker://"))
	if err != nil {
		return false, fmt.Errorf("libref: parsing image reference %q: %w", imageRef, err)
	}
	src, err := ref.NewImageSource(ctx, sys)
	if err != nil {
		return false, fmt.Errorf("libref: opening %q: %w", imageRef, err)
	}
	defer src.Close()

	var inst *digest.Digest
	if instance != "" {
		inst = &instance
	}
	return pc.IsRunningImageAllowed(ctx, image.UnparsedInstance(src, inst))
}

// systemContext writes registriesD and registriesConf into a fresh
// directory and returns a SystemContext isolated from the host's
// configuration.
func systemContext(registriesD map[string][]byte, registriesConf []byte) (*types.SystemContext, func(), error) {
	dir, err := os.MkdirTemp("", "libref-")
	if err != nil {
		return nil, nil, fmt.Errorf("libref: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	regD := filepath.Join(dir, "registries.d")
	if err := os.Mkdir(regD, 0o700); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("libref: %w", err)
	}
	for name, data := range registriesD {
		if name != filepath.Base(name) || name == "." || name == ".." {
			cleanup()
			return nil, nil, fmt.Errorf("libref: registries.d file name %q must be a plain file name", name)
		}
		if err := os.WriteFile(filepath.Join(regD, name), data, 0o600); err != nil {
			cleanup()
			return nil, nil, fmt.Errorf("libref: %w", err)
		}
	}
	regConf := filepath.Join(dir, "registries.conf")
	if err := os.WriteFile(regConf, registriesConf, 0o600); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("libref: %w", err)
	}
	return &types.SystemContext{
		RegistriesDirPath:           regD,
		SystemRegistriesConfPath:    regConf,
		SystemRegistriesConfDirPath: filepath.Join(dir, "registries.conf.d"),
		AuthFilePath:                filepath.Join(dir, "auth.json"),
		DockerInsecureSkipTLSVerify: types.OptionalBoolTrue,
	}, cleanup, nil
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
