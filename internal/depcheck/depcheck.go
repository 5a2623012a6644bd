// Package depcheck pins the layering of sigpolicy's packages in their own
// tests (as go-containerregistry's depcheck does): each layer lists the
// sigpolicy packages it may depend on, transitively, so data keeps flowing
// one way — cluster objects → compile → node configuration → trust → fetch
// → verify, with simulate, lint, audit, bench and the command on top — and
// library packages word their errors without command-line flags.
package depcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Module is sigpolicy's module path.
const Module = "github.com/sigpolicy/sigpolicy"

// AllowOnly fails t when the package in the current directory depends,
// directly or not, on a sigpolicy package outside allowed (paths relative
// to the module, such as "policy/node").
func AllowOnly(t *testing.T, allowed ...string) {
	t.Helper()
	lines := list(t, "{{.ImportPath}}")
	self := lines[len(lines)-1] // -deps lists the package itself last
	for _, dep := range lines {
		rel, ok := strings.CutPrefix(dep, Module+"/")
		if !ok || dep == self || slices.Contains(allowed, rel) {
			continue
		}
		t.Errorf("%s depends on %s; its layer allows only %q", strings.TrimPrefix(self, Module+"/"), rel, allowed)
	}
}

// Forbid fails t when the package in the current directory depends,
// directly or not, on a package whose import path starts with one of
// prefixes ("k8s.io/").
func Forbid(t *testing.T, prefixes ...string) {
	t.Helper()
	for _, dep := range list(t, "{{.ImportPath}}") {
		for _, p := range prefixes {
			if strings.HasPrefix(dep, p) {
				t.Errorf("depends on %s, under %s", dep, p)
			}
		}
	}
}

// StandardOnly fails t when the package in the current directory depends
// on anything outside the standard library.
func StandardOnly(t *testing.T) {
	t.Helper()
	lines := list(t, "{{if not .Standard}}{{.ImportPath}}{{end}}")
	for _, dep := range lines[:len(lines)-1] {
		t.Errorf("depends on %s, outside the standard library", dep)
	}
}

// list is `go list -deps -f format` of the package in the current
// directory, one non-empty line per package, the package itself last.
func list(t *testing.T, format string) []string {
	t.Helper()
	out, err := exec.Command(goCommand(), "list", "-tags", "containers_image_openpgp", "-deps", "-f", format, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	return strings.Fields(string(out))
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// flagLike matches a command-line flag in a message: " --name", "(-f)".
var flagLike = regexp.MustCompile(`(?:^|[\s(])(?:--[a-z][a-z0-9-]+|-f)(?:$|[\s),=;.])`)

// otherTool starts a command line of another tool, whose flags a message
// may quote ("cosign sign --sign-container-identity ...").
var otherTool = regexp.MustCompile(`\b(?:cosign|oc|kubectl|podman|skopeo)\s`)

// namesFlag reports whether s names a flag outside another tool's command
// line, which runs from the tool's name to the next ";", ",", ":" or ")".
func namesFlag(s string) bool {
	var quoted [][2]int
	for _, tool := range otherTool.FindAllStringIndex(s, -1) {
		end := len(s)
		if i := strings.IndexAny(s[tool[0]:], ";,:)"); i >= 0 {
			end = tool[0] + i
		}
		quoted = append(quoted, [2]int{tool[0], end})
	}
	for _, loc := range flagLike.FindAllStringIndex(s, -1) {
		if !slices.ContainsFunc(quoted, func(q [2]int) bool { return q[0] < loc[0] && loc[0] < q[1] }) {
			return true
		}
	}
	return false
}

// NoFlagNames fails t when a string literal of the package in the current
// directory (test files aside) names a command-line flag: library errors
// must make sense to a Go program that has no flags.
func NoFlagNames(t *testing.T) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		parsed, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(parsed, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			if s, err := strconv.Unquote(lit.Value); err == nil && namesFlag(s) {
				t.Errorf("%s: string %q names a command-line flag", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}
