package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/sigpolicy/sigpolicy/fetch"
)

// registryFlags are the registry-access flags of verify and simulate.
type registryFlags struct {
	platform       string
	timeout        time.Duration
	authfile       string
	insecure       []string
	registriesConf string
	concurrency    int
}

func (r *registryFlags) register(fl *pflag.FlagSet, registriesConfHelp, concurrencyHelp string) {
	fl.StringVar(&r.platform, "platform", fetch.DefaultPlatform, "platform picked from manifest lists (os/arch[/variant])")
	fl.DurationVar(&r.timeout, "timeout", defaultTimeout, "deadline for each image's decision and for any registry request (must be positive)")
	fl.StringVar(&r.authfile, "authfile", "", "registry credentials (default: $REGISTRY_AUTH_FILE, then the containers library's auth files)")
	fl.StringSliceVar(&r.insecure, "insecure-registry", nil, "registry host[:port] reached over plain HTTP (loopback hosts always are)")
	fl.StringVar(&r.registriesConf, "registries-conf", "", registriesConfHelp)
	fl.IntVar(&r.concurrency, "concurrency", 8, concurrencyHelp)
}

func (r *registryFlags) check() error {
	if r.concurrency < 1 {
		return fmt.Errorf("--concurrency must be at least 1")
	}
	return checkTimeout(r.timeout)
}

// defaultTimeout is the --timeout of every command that talks to a
// registry: per decision (verify, simulate, bench) or per push (fixtures
// push, bench --registry).
const defaultTimeout = 60 * time.Second

// checkTimeout refuses a --timeout that would mean "no deadline": a
// registry that accepts connections and never answers would hang the
// command.
func checkTimeout(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("--timeout must be positive, got %v", d)
	}
	return nil
}

// fetchOptions are the registry client options the flags ask for, except
// registries.conf, whose default depends on the command.
func (r *registryFlags) fetchOptions() []fetch.Option {
	// No request outlives --timeout: a decision's deadline bounds its own
	// requests, and this bounds those outside any decision (audit's
	// listings and release image).
	opts := []fetch.Option{fetch.WithPlatform(r.platform), fetch.WithInsecureRegistries(r.insecure...),
		fetch.WithRequestTimeout(min(r.timeout, fetch.DefaultRequestTimeout))}
	if r.authfile != "" {
		opts = append(opts, fetch.WithAuthFile(r.authfile))
	}
	return opts
}
