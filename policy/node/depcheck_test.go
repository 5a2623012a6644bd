package node

import (
	"testing"

	"github.com/sigpolicy/sigpolicy/internal/depcheck"
)

func TestLayering(t *testing.T) {
	depcheck.AllowOnly(t)
	depcheck.NoFlagNames(t)
}
