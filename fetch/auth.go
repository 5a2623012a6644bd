package fetch

import (
	"encoding/json"
	"fmt"
	"os"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

// authContext is the library view of where credentials live: the explicit
// auth file, else $REGISTRY_AUTH_FILE when set, else the library's default
// search (${XDG_RUNTIME_DIR}/containers/auth.json,
// ~/.config/containers/auth.json, $DOCKER_CONFIG/config.json or
// ~/.docker/config.json, ~/.dockercfg). An explicit file must exist and be
// JSON, so a typo fails New instead of every pull. Credential helpers come
// from registriesConf when it names a file, else from the host's
// registries.conf, as for podman on this machine.
func authContext(authFile, registriesConf string) (*types.SystemContext, error) {
	auth := &types.SystemContext{}
	if registriesConf != "" {
		auth.SystemRegistriesConfPath = registriesConf
		auth.SystemRegistriesConfDirPath = registriesConf + ".d"
	}
	if authFile == "" {
		authFile = os.Getenv("REGISTRY_AUTH_FILE")
	}
	if authFile == "" {
		return auth, nil
	}
	raw, err := os.ReadFile(authFile)
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("auth file %s: not valid JSON", authFile)
	}
	auth.AuthFilePath = authFile
	return auth, nil
}

// credentials finds the credentials for repo the way the containers
// library does for a pull: the most specific of host/ns/repo, host/ns, host
// wins; credential helpers as registries.conf lists them. The zero value
// means anonymous.
func (c *Client) credentials(repo reference.Named) (types.DockerAuthConfig, error) {
	return config.GetCredentialsForRef(c.authSys, repo)
}
