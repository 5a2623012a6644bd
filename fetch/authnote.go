package fetch

import (
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"go.podman.io/image/v5/pkg/docker/config"
	"go.podman.io/image/v5/types"
)

// noteCredentials completes an ErrAuth error of the endpoint key with what
// was sent and where it came from, as a user fixing a 401 needs to know:
// the auth file that supplied the refused credentials, or the files searched
// in vain. It runs only on a refusal, so a pull never pays for it.
func (c *Client) noteCredentials(key endpointKey, challenged bool, err error) error {
	e, ok := asError(err)
	if !ok || e.Kind != ErrAuth || e.Credentials != "" {
		return err
	}
	e.Credentials = c.credentialSource(key, challenged)
	return err
}

// refused is the error for ep's request answered with resp, not 200, its
// credentials noted: the registry's own when the registry answered; none
// when a redirect led to another host (a signed blob URL on a CDN), to
// which the transports send no credentials.
func (c *Client) refused(ep *endpoint, op, url string, resp *http.Response) error {
	err := statusError(op, url, resp)
	host := resp.Request.URL.Host
	if _, rest, _ := strings.Cut(ep.base, "://"); strings.HasPrefix(rest, host+"/") {
		return c.noteCredentials(ep.key, ep.challenged, err)
	}
	if e, ok := asError(err); ok && e.Kind == ErrAuth {
		e.Credentials = "none sent to " + host + ", where the registry redirected the request"
	}
	return err
}

// credentialSource describes the credentials sent to key's endpoint.
func (c *Client) credentialSource(key endpointKey, challenged bool) string {
	name := key.host
	if key.repo != "" {
		name += "/" + key.repo
	}
	if !challenged {
		return "none sent: the registry's ping asked for none"
	}
	creds, err := c.lookUpCredentials(key)
	if err != nil {
		return "none sent: " + err.Error()
	}
	files := c.authFiles()
	if creds == (types.DockerAuthConfig{}) {
		return "none found for " + name + " in " + strings.Join(files, ", ")
	}
	for i, file := range files {
		sys := *c.authSys
		sys.AuthFilePath, sys.LegacyFormatAuthFilePath = file, ""
		// An empty registries.conf (and no drop-ins) leaves only the built-in
		// auth-file helper: the file alone is asked (a missing one holds
		// nothing), no external helper runs and none of its answers is taken
		// for the file's.
		sys.SystemRegistriesConfPath, sys.SystemRegistriesConfDirPath = os.DevNull, os.DevNull+".d"
		if c.authSys.AuthFilePath == "" && i == len(files)-1 { // ~/.dockercfg, in the legacy format
			sys.AuthFilePath, sys.LegacyFormatAuthFilePath = "", file
		}
		if found, err := config.GetCredentials(&sys, name); err == nil && found == creds {
			return "those for " + name + " in " + file
		}
	}
	return "those for " + name + " from a credential helper named in registries.conf"
}

// authFiles lists the files the containers library reads credentials from,
// in its order (containers-auth.json(5)): the explicit one alone, else
// ${XDG_RUNTIME_DIR}/containers/auth.json (/run/containers/UID/auth.json
// without it; ~/.config/containers/auth.json off Linux), then
// ${XDG_CONFIG_HOME:-~/.config}/containers/auth.json, then
// ${DOCKER_CONFIG:-~/.docker}/config.json, then ~/.dockercfg.
func (c *Client) authFiles() []string {
	if c.authSys.AuthFilePath != "" {
		return []string{c.authSys.AuthFilePath}
	}
	home, _ := os.UserHomeDir()
	var files []string
	switch dir := os.Getenv("XDG_RUNTIME_DIR"); {
	case runtime.GOOS != "linux":
		files = append(files, filepath.Join(home, ".config", "containers", "auth.json"))
	case dir != "":
		files = append(files, filepath.Join(dir, "containers", "auth.json"))
	default:
		files = append(files, filepath.Join("/run/containers", strconv.Itoa(os.Getuid()), "auth.json"))
	}
	configHome := os.Getenv("XDG_CONFIG_HOME")
	if configHome == "" {
		configHome = filepath.Join(home, ".config")
	}
	files = append(files, filepath.Join(configHome, "containers", "auth.json"))
	dockerDir := os.Getenv("DOCKER_CONFIG")
	if dockerDir == "" {
		dockerDir = filepath.Join(home, ".docker")
	}
	return append(files, filepath.Join(dockerDir, "config.json"), filepath.Join(home, ".dockercfg"))
}
