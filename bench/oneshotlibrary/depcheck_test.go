package main

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

// TestLibraryOnly: the program links the containers library and nothing of
// sigpolicy's but the thin wrapper that opens a node's files.
func TestLibraryOnly(t *testing.T) {
	depcheck.AllowOnly(t, "internal/libref")
	depcheck.Forbid(t, "github.com/openshift/", "k8s.io/", "github.com/spf13/")
}
