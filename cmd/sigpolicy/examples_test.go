package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// exampleLines returns the sigpolicy command lines of an Example section:
// lines that start with "sigpolicy", or pipe into it.
func exampleLines(example string) [][]string {
	var out [][]string
	for _, line := range strings.Split(example, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.LastIndex(line, "| sigpolicy "); i >= 0 {
			line = line[i+2:]
		}
		if j := strings.Index(line, " > "); j >= 0 {
			line = line[:j]
		}
		if strings.HasPrefix(line, "sigpolicy ") {
			out = append(out, strings.Fields(line)[1:])
		}
	}
	return out
}

// TestEveryCommandHasWorkingExamples: every command's help has an Examples
// section, every example names an existing command with flags it accepts
// and arguments it takes, and the examples that need no registry or
// cluster run for real from the repository's root.
func TestEveryCommandHasWorkingExamples(t *testing.T) {
	root := newRootCmd()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || strings.HasPrefix(c.CommandPath(), "sigpolicy completion") {
			return
		}
		t.Run(c.CommandPath(), func(t *testing.T) {
			lines := exampleLines(c.Example)
			if len(lines) == 0 {
				t.Fatalf("no Examples section")
			}
			for _, args := range lines {
				cmd, rest, err := newRootCmdFor(args).Find(args)
				if err != nil {
					t.Errorf("%q: %v", args, err)
					continue
				}
				if err := cmd.ParseFlags(rest); err != nil {
					t.Errorf("%q: %v", args, err)
					continue
				}
				if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
					t.Errorf("%q: %v", args, err)
				}
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	t.Chdir("../..")
	for _, c := range []*cobra.Command{newValidateCmd(), newLintCmd(), newRenderCmd()} {
		for _, args := range exampleLines(c.Example) {
			if len(args) < 3 || args[1] != "-f" || args[2] != "examples/" || strings.Contains(strings.Join(args, " "), " -o rendered") {
				continue
			}
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				if _, errOut, code := run(t, "", args...); code > exitRejected {
					t.Errorf("exit %d: %s", code, errOut)
				}
			})
		}
	}
}
