package fetch

import (
	"fmt"
	"strings"

	"go.podman.io/image/v5/types"
)

// platform is the parsed os/arch[/variant] used to pick a manifest-list instance.
type platform struct {
	os, arch, variant string
}

func parsePlatform(s string) (platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" || (len(parts) == 3 && parts[2] == "") {
		return platform{}, fmt.Errorf("platform %q: want os/arch[/variant]", s)
	}
	p := platform{os: parts[0], arch: parts[1]}
	if len(parts) == 3 {
		p.variant = parts[2]
	}
	return p, nil
}

// systemContext expresses the platform the way the library's
// manifest.List.ChooseInstance wants it, so instance selection is the library's.
func (p platform) systemContext() *types.SystemContext {
	return &types.SystemContext{OSChoice: p.os, ArchitectureChoice: p.arch, VariantChoice: p.variant}
}

func (p platform) String() string {
	if p.variant == "" {
		return p.os + "/" + p.arch
	}
	return p.os + "/" + p.arch + "/" + p.variant
}

// Platform is the platform the client picks from manifest lists, as
// "os/arch[/variant]".
func (c *Client) Platform() string { return c.platform.String() }
