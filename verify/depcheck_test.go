package verify

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

func TestLayering(t *testing.T) {
	depcheck.AllowOnly(t, "trust", "fetch", "policy/node", "internal/bounded", "internal/strictjson", "internal/safetext")
	depcheck.NoFlagNames(t)
}
