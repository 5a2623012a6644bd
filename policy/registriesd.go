package policy

import (
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"sigs.k8s.io/yaml"
)

type registriesDConfig struct {
	Docker map[string]registriesDDocker `json:"docker,omitempty"`
}

type registriesDDocker struct {
	UseSigstoreAttachments bool `json:"use-sigstore-attachments,omitempty"`
}

// sigstoreRegistriesD is the MCO's generateSigstoreRegistriesdConfig: every
// cluster and applied namespace scope gets use-sigstore-attachments, and so
// does every place CRI-O may read its images from according to the rendered
// registries.conf: the pull sources of the entry matching the scope, and of
// every entry nested strictly inside it (its own mirrors, or its parent's
// adjusted ones). Nil when there is no scope: the MCO writes no file then.
func sigstoreRegistriesD(sp *scopePolicies, conf *sysregistriesv2.V2RegistriesConf) ([]byte, error) {
	scopes := sortedKeys(sp.cluster)
	for _, ns := range sortedKeys(sp.namespaced) {
		scopes = append(scopes, sortedKeys(sp.namespaced[ns])...)
	}
	if len(scopes) == 0 {
		return nil, nil
	}
	docker := map[string]registriesDDocker{}
	table := newRegistryTable(conf.Registries)
	for _, scope := range scopes {
		docker[scope] = registriesDDocker{UseSigstoreAttachments: true}
		if err := addPullSources(docker, scope, table.find(scope)); err != nil {
			return nil, fmt.Errorf("error adding clusterimagepolicy scope %s relevant mirrors: %w", scope, err)
		}
		for i := range conf.Registries {
			entry := registryScope(&conf.Registries[i])
			if entry == scope || !scopeIsNestedInsideScope(entry, scope) {
				continue
			}
			if err := addPullSources(docker, entry, table.find(entry)); err != nil {
				return nil, fmt.Errorf("error adding clusterimagepolicy scope %s relevant mirrors: %w", scope, err)
			}
		}
	}
	return yaml.Marshal(registriesDConfig{Docker: docker})
}

// The placeholders the MCO uses to ask the library where a scope's images
// are pulled from, by digest and by tag.
const (
	probeDigest = digest.Digest("sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	probeTag    = "aaa"
	probePath   = "/a"
	probeHost   = "matched"
)

// addPullSources is the MCO's addScopeMirrorsSigstoreRegistriesdConfig: the
// scope becomes a repository (a wildcard's "*" replaced by a host label, a
// bare host given a path, both removed again from the results), and every
// pull source of that repository by digest and by tag whose endpoint has a
// location gets use-sigstore-attachments.
func addPullSources(docker map[string]registriesDDocker, scope string, reg *sysregistriesv2.Registry) error {
	if reg == nil {
		return nil
	}
	if strings.HasPrefix(scope, "*.") {
		scope = strings.Replace(scope, "*", probeHost, 1)
	}
	bareHost := !strings.Contains(scope, "/")
	if bareHost {
		scope += probePath
	}
	ref, err := reference.Parse(scope)
	if err != nil {
		return fmt.Errorf("error parsing scope %s: %w", scope, err)
	}
	named, ok := ref.(reference.Named)
	if !ok {
		return fmt.Errorf("scope %s is not a named reference", scope)
	}
	repo := reference.TrimNamed(named)
	byDigest, err := reference.WithDigest(repo, probeDigest)
	if err != nil {
		return fmt.Errorf("error parsing digest name for scope %s: %w", scope, err)
	}
	byTag, err := reference.WithTag(repo, probeTag)
	if err != nil {
		return fmt.Errorf("error parsing tag name for scope %s: %w", scope, err)
	}
	digestSources, err := reg.PullSourcesFromReference(byDigest)
	if err != nil {
		return fmt.Errorf("error getting digest sources for scope %s: %w", scope, err)
	}
	tagSources, err := reg.PullSourcesFromReference(byTag)
	if err != nil {
		return fmt.Errorf("error getting tag sources for scope %s: %w", scope, err)
	}
	for _, s := range append(digestSources, tagSources...) {
		if s.Endpoint.Location == "" {
			continue // a wildcard entry's own endpoint: the scope itself is already there
		}
		endpoint := s.Reference.Name()
		if bareHost {
			endpoint = strings.TrimSuffix(endpoint, probePath)
		}
		docker[endpoint] = registriesDDocker{UseSigstoreAttachments: true}
	}
	return nil
}
