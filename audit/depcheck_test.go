package audit

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

func TestLayering(t *testing.T) {
	depcheck.AllowOnly(t, "simulate", "cluster", "verify", "trust", "fetch", "policy", "policy/node", "internal/manifest", "internal/bounded", "internal/strictjson", "internal/safetext")
	depcheck.NoFlagNames(t)
}
