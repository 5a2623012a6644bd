package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestWriteVersion(t *testing.T) {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/sigpolicy/sigpolicy", Version: "v0.0.0-20261201180711-eaff4051f55f"},
		Deps:      []*debug.Module{{Path: "go.podman.io/image/v5", Version: "v5.42.0"}, {Path: "golang.org/x/sync", Version: "v0.24.0"}},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "eaff4051f55f88d2613e7dafb2336667cd3d5d4b"},
			{Key: "vcs.time", Value: "2026-12-01T18:07:11Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	for _, tc := range []struct {
		desc, linked string
		info         *debug.BuildInfo
		want         string
	}{
		{"module version and revision", "", info, "sigpolicy v0.0.0-20261201180711-eaff4051f55f (revision eaff4051f55f88d2613e7dafb2336667cd3d5d4b, 2026-12-01T18:07:11Z, modified)\ngo go1.26.8\ngo.podman.io/image/v5 v5.42.0\n"},
		{"version linked in", "v1.2.3", info, "sigpolicy v1.2.3 (revision eaff4051f55f88d2613e7dafb2336667cd3d5d4b, 2026-12-01T18:07:11Z, modified)\n"},
		{"no build information", "", nil, "sigpolicy (devel)\n"},
	} {
		var b strings.Builder
		writeVersion(&b, tc.linked, tc.info)
		if !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("%s:\n%s\nwant prefix\n%s", tc.desc, b.String(), tc.want)
		}
	}
}
