// Command oneshotengine is sigpolicy's verification engine deciding one pull
// in a process of its own, from a node's files, with nothing else linked:
// no command line, no cluster objects, no live cluster, fixtures or
// benchmarks. scripts/bench-oneshot.sh runs it beside `sigpolicy verify
// --root` of the same image on the same files: the difference is what
// linking every command into one binary costs at start-up.
//
// Usage: oneshotengine POLICY.json REGISTRIES.D REGISTRIES.CONF IMAGE
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sigpolicy/sigpolicy/policy/node"
	"github.com/sigpolicy/sigpolicy/verify"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: oneshotengine POLICY.json REGISTRIES.D REGISTRIES.CONF IMAGE")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	outcome, err := decide(ctx, os.Args[1], os.Args[2], os.Args[3], os.Args[4])
	if err != nil {
		fmt.Fprintln(os.Stderr, "oneshotengine:", err)
		os.Exit(2)
	}
	fmt.Println(outcome)
	if outcome != verify.OutcomeAllowed {
		os.Exit(1)
	}
}

func decide(ctx context.Context, policyFile, registriesD, registriesConf, image string) (verify.Outcome, error) {
	regD, err := node.LoadRegistriesD(registriesD)
	if err != nil {
		return "", err
	}
	conf, err := node.LoadRegistriesConf(registriesConf)
	if err != nil {
		return "", err
	}
	pol, err := node.LoadPolicy(policyFile)
	if err != nil {
		return "", err
	}
	engine, err := verify.New(node.Config{PolicyName: policyFile, Policy: pol, RegistriesD: regD, RegistriesConf: conf})
	if err != nil {
		return "", err
	}
	d, err := engine.Verify(ctx, image)
	if err != nil {
		return "", err
	}
	return d.Outcome, nil
}
