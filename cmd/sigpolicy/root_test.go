package main

import (
	"slices"
	"testing"
)

// TestCommandTreeForArgs: a command line that starts with a command's name
// builds a root holding that command alone — the same command, with the same
// flags and subcommands, as in the whole tree; any other command line builds
// the whole tree.
func TestCommandTreeForArgs(t *testing.T) {
	full := newRootCmd()
	var names []string
	for _, c := range full.Commands() {
		names = append(names, c.Name())
	}
	var listed []string
	for _, c := range subcommands {
		listed = append(listed, c.name)
	}
	slices.Sort(listed) // cobra keeps its commands sorted
	if !slices.Equal(names, listed) {
		t.Fatalf("the whole tree has %q, subcommands names %q", names, listed)
	}
	for _, c := range full.Commands() {
		got := newRootCmdFor([]string{c.Name(), "--help"}).Commands()
		if len(got) != 1 || got[0].Name() != c.Name() {
			t.Errorf("%s: the root holds %d commands, want %s alone", c.Name(), len(got), c.Name())
			continue
		}
		if got[0].Flags().FlagUsages() != c.Flags().FlagUsages() {
			t.Errorf("%s: flags differ from the whole tree's:\n%s\nwant\n%s", c.Name(), got[0].Flags().FlagUsages(), c.Flags().FlagUsages())
		}
		if len(got[0].Commands()) != len(c.Commands()) {
			t.Errorf("%s: %d subcommands, the whole tree's has %d", c.Name(), len(got[0].Commands()), len(c.Commands()))
		}
	}
	for _, args := range [][]string{nil, {"--help"}, {"help", "verify"}, {"verfy"}, {"__complete", "ver"}, {"-h"}} {
		if got := len(newRootCmdFor(args).Commands()); got != len(subcommands) {
			t.Errorf("%q: the root holds %d commands, want all %d", args, got, len(subcommands))
		}
	}
}
