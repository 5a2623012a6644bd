// Command oneshotlibrary is the containers library (what CRI-O runs) deciding
// one pull in a process of its own, from a node's files on disk: the policy
// read and the image source opened as at a pull, then
// IsRunningImageAllowed. scripts/bench-oneshot.sh runs it beside a one-shot
// `sigpolicy verify --root` of the same image on the same files.
//
// Usage: oneshotlibrary NODE-ROOT IMAGE
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sigpolicy/sigpolicy/internal/libref"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: oneshotlibrary NODE-ROOT IMAGE")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	allowed, err := libref.OpenNode(os.Args[1]).AllowedInstance(ctx, os.Args[2], "")
	switch {
	case err != nil:
		fmt.Fprintln(os.Stderr, "oneshotlibrary:", err)
		os.Exit(1)
	case !allowed:
		fmt.Println("denied")
		os.Exit(1)
	}
	fmt.Println("allowed")
}
