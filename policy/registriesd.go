package policy

import (
	"strings"

	"sigs.k8s.io/yaml"
)

type registriesDConfig struct {
	Docker map[string]registriesDDocker `json:"docker,omitempty"`
}

type registriesDDocker struct {
	UseSigstoreAttachments bool `json:"use-sigstore-attachments,omitempty"`
}

// sigstoreRegistriesD is the MCO's generateSigstoreRegistriesdConfig without
// mirror sets: every cluster and applied namespace scope, plus each
// non-wildcard insecure or blocked registries.conf entry nested strictly
// inside one of them (the MCO resolves those through registries.conf). Nil
// when there is no scope: the MCO writes no file then.
func sigstoreRegistriesD(sp *scopePolicies, regs registries) ([]byte, error) {
	docker := map[string]registriesDDocker{}
	on := registriesDDocker{UseSigstoreAttachments: true}
	var scopes []string
	scopes = append(scopes, sortedKeys(sp.cluster)...)
	for _, ns := range sortedKeys(sp.namespaced) {
		scopes = append(scopes, sortedKeys(sp.namespaced[ns])...)
	}
	if len(scopes) == 0 {
		return nil, nil
	}
	var entries []string
	if regs.insecure != nil || regs.blocked != nil {
		entries = append(append(entries, regs.blocked...), regs.insecure...)
	}
	for _, scope := range scopes {
		docker[scope] = on
		for _, e := range entries {
			if !strings.HasPrefix(e, "*.") && e != scope && scopeIsNestedInsideScope(e, scope) {
				docker[e] = on
			}
		}
	}
	return yaml.Marshal(registriesDConfig{Docker: docker})
}
