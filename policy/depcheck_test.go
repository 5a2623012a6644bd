package policy

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

func TestLayering(t *testing.T) {
	depcheck.AllowOnly(t, "policy/node", "internal/manifest", "internal/safetext")
	depcheck.NoFlagNames(t)
}
