package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=…"); otherwise the
// module version and VCS revision the go command recorded are shown.
var version = ""

// keyDependencies are the modules whose versions decide sigpolicy's verdicts.
var keyDependencies = []string{
	"go.podman.io/image/v5", "github.com/sigstore/sigstore",
	"github.com/sigstore/cosign/v2", "github.com/google/go-containerregistry",
	"github.com/openshift/api",
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the sigpolicy version and its key dependencies",
		Example: "  sigpolicy version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			info, _ := debug.ReadBuildInfo()
			writeVersion(cmd.OutOrStdout(), version, info)
			return nil
		},
	}
}

// writeVersion prints "sigpolicy VERSION (revision R, TIME[, modified])",
// the Go version and the key dependencies. linked wins over the module
// version; info may be nil.
func writeVersion(w io.Writer, linked string, info *debug.BuildInfo) {
	v := linked
	if v == "" && info != nil {
		v = info.Main.Version
	}
	if v == "" {
		v = "(devel)"
	}
	if info == nil {
		fmt.Fprintf(w, "sigpolicy %s\n", v)
		return
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += " (revision " + rev
		if t := settings["vcs.time"]; t != "" {
			v += ", " + t
		}
		if settings["vcs.modified"] == "true" {
			v += ", modified"
		}
		v += ")"
	}
	fmt.Fprintf(w, "sigpolicy %s\n", v)
	fmt.Fprintf(w, "go %s\n", info.GoVersion)
	for _, d := range info.Deps {
		for _, key := range keyDependencies {
			if d.Path == key {
				fmt.Fprintf(w, "%s %s\n", d.Path, d.Version)
			}
		}
	}
}
