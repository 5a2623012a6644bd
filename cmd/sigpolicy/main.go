// Command sigpolicy validates and renders OpenShift sigstore image policies,
// verifies images against them as CRI-O would, and builds signed fixture
// registries. Run "sigpolicy --help" for the commands.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	root := newRootCmdFor(os.Args[1:])
	err := root.Execute()
	if err == nil {
		return
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "sigpolicy:", excerpt(ee.err.Error()))
		}
		os.Exit(ee.code)
	}
	// cobra's own errors (unknown flag, bad args) are usage errors.
	fmt.Fprintln(os.Stderr, "sigpolicy:", excerpt(err.Error()))
	os.Exit(exitUsage)
}
