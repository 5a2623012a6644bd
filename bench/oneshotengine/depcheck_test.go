package main

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

// TestEngineOnly: the program links the engine and the node files' parsers,
// none of the command line, the cluster objects' API types or client-go.
func TestEngineOnly(t *testing.T) {
	depcheck.AllowOnly(t, "verify", "trust", "fetch", "policy/node", "internal/bounded", "internal/strictjson", "internal/safetext")
	depcheck.Forbid(t, "github.com/openshift/", "k8s.io/", "github.com/spf13/")
}
