package lint

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

func TestLayering(t *testing.T) {
	depcheck.AllowOnly(t, "cluster", "policy", "policy/node", "internal/manifest", "internal/safetext")
	depcheck.NoFlagNames(t)
}
