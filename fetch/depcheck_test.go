package fetch

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDependencies keeps the data flow one-way: fetch imports no other
// sigpolicy package but the leaf utilities internal/bounded and
// internal/safetext.
func TestDependencies(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			leaf := path == "github.com/sigpolicy/sigpolicy/internal/bounded" || path == "github.com/sigpolicy/sigpolicy/internal/safetext"
			if strings.HasPrefix(path, "github.com/sigpolicy/sigpolicy/") && !leaf {
				t.Errorf("%s imports %s; fetch must not depend on other sigpolicy packages", f, path)
			}
		}
	}
}
