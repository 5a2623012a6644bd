package fetch

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

func TestLayering(t *testing.T) {
	depcheck.AllowOnly(t, "policy/node", "internal/bounded", "internal/safetext")
	depcheck.NoFlagNames(t)
}
