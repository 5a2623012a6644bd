package main

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

// TestStandardLibraryOnly: the floor's start-up is the standard library's.
func TestStandardLibraryOnly(t *testing.T) { depcheck.StandardOnly(t) }
