package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/fixtures"
)

func newFixturesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fixtures",
		Short: "Build signed fixture registries: every root of trust, good and bad signatures",
		Example: `  sigpolicy fixtures scenarios
  sigpolicy fixtures serve --out /tmp/fixtures`,
		Long: `fixtures pushes signed images, made exactly as cosign and the containers
library sign them, into the embedded registry (serve) or an existing one (push),
and writes catalogue.json (what each image reference should give under each
signedIdentity match policy) with the ClusterImagePolicy files that govern them.
The catalogue format is described in docs/catalogue.md.`,
	}
	cmd.AddCommand(newFixturesServeCmd(), newFixturesPushCmd(), newFixturesScenariosCmd())
	return cmd
}

// fixtureFlags are the flags serve and push share.
type fixtureFlags struct {
	scenarios   string
	count       int
	out         string
	seed        string
	concurrency int
}

func (f *fixtureFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.scenarios, "scenarios", "all", `"all" or a comma-separated list of scenario names (see "fixtures scenarios")`)
	cmd.Flags().IntVar(&f.count, "count", 0, "also push this many distinct signed bulk images, spread over the root types")
	cmd.Flags().StringVar(&f.out, "out", "sigpolicy-fixtures", "directory for catalogue.json and policies/*.yaml")
	cmd.Flags().StringVar(&f.seed, "seed", fixtures.DefaultSeed, "seed the keys and certificates are derived from")
	cmd.Flags().IntVar(&f.concurrency, "concurrency", 16, "parallel pushes")
}

func (f *fixtureFlags) options(progress io.Writer) (fixtures.Options, error) {
	if f.count < 0 || f.concurrency < 1 {
		return fixtures.Options{}, fmt.Errorf("--count must be ≥ 0 and --concurrency ≥ 1, got %d and %d", f.count, f.concurrency)
	}
	var names []string
	for _, n := range strings.Split(f.scenarios, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fixtures.Options{}, errors.New("--scenarios is empty")
	}
	return fixtures.Options{
		Scenarios:   names,
		Count:       f.count,
		Seed:        f.seed,
		Concurrency: f.concurrency,
		Progress:    newProgress(progress).update,
	}, nil
}

func newFixturesServeCmd() *cobra.Command {
	var (
		f    fixtureFlags
		addr string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Start the embedded registry with the fixtures and keep serving until interrupted",
		Example: `  # Every scenario, catalogue and policies written to /tmp/fixtures
  sigpolicy fixtures serve --out /tmp/fixtures

  # Two scenarios on a fixed port
  sigpolicy fixtures serve --addr 127.0.0.1:5000 --scenarios key-tagged,fulcio-rekor --out /tmp/fixtures`,
		Long: `serve starts an in-process registry on --addr, pushes the fixtures, writes
DIR/catalogue.json and DIR/policies/*.yaml, prints the registry address on
standard output and serves until SIGINT or SIGTERM.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := f.options(cmd.ErrOrStderr())
			if err != nil {
				return usageErr(err)
			}
			o.Addr = addr
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv, err := fixtures.Serve(ctx, o)
			if err != nil {
				return fixturesErr(err)
			}
			defer srv.Close()
			if err := writeCatalogue(cmd.ErrOrStderr(), srv.Catalogue(), f.out); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), srv.Addr())
			fmt.Fprintf(cmd.ErrOrStderr(), "serving %s until interrupted\n", srv.Addr())
			<-ctx.Done()
			return srv.Close()
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "listen address (port 0: a random free port)")
	return cmd
}

func newFixturesPushCmd() *cobra.Command {
	var (
		f         fixtureFlags
		registry  string
		plainHTTP bool
		timeout   time.Duration
	)
	cmd := &cobra.Command{
		Use:     "push --registry HOST:PORT",
		Short:   "Push the fixtures into an existing registry and write the catalogue",
		Example: `  sigpolicy fixtures push --registry 127.0.0.1:5000 --count 1000 --out /tmp/fixtures`,
		Long: `push writes the fixtures into the registry at --registry, then DIR/catalogue.json
and DIR/policies/*.yaml. Hostile-registry scenarios and the containers-image
conformance images need the embedded registry ("fixtures serve") and are left out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if registry == "" || strings.ContainsAny(registry, "/ ") {
				return usageErr(fmt.Errorf("--registry must be HOST[:PORT], got %q", registry))
			}
			if err := checkTimeout(timeout); err != nil {
				return usageErr(err)
			}
			o, err := f.options(cmd.ErrOrStderr())
			if err != nil {
				return usageErr(err)
			}
			o.PlainHTTP, o.PushTimeout = plainHTTP, timeout
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cat, err := fixtures.Push(ctx, registry, o)
			if err != nil {
				return fixturesErr(err)
			}
			return writeCatalogue(cmd.ErrOrStderr(), cat, f.out)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&registry, "registry", "", "registry host[:port] to push into (required)")
	cmd.Flags().BoolVar(&plainHTTP, "plain-http", false, "use http for a non-loopback registry (loopback always uses http)")
	cmd.Flags().DurationVar(&timeout, "timeout", defaultTimeout, "deadline for each image pushed, its signatures included (must be positive)")
	return cmd
}

func newFixturesScenariosCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "scenarios",
		Short:   "List the fixture scenarios",
		Example: `  sigpolicy fixtures scenarios`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROOT\tDESCRIPTION")
			for _, s := range fixtures.Scenarios() {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.RootType, s.Description)
			}
			return tw.Flush()
		},
	}
}

// fixturesErr maps a build failure to an exit code: unknown scenarios and
// embedded-only requests are usage errors, the rest registry trouble.
func fixturesErr(err error) error {
	if errors.Is(err, fixtures.ErrEmbeddedOnly) || errors.Is(err, fixtures.ErrUnknownScenario) {
		return usageErr(err)
	}
	return &exitError{code: exitUndecided, err: err}
}

func writeCatalogue(w io.Writer, cat *fixtures.Catalogue, dir string) error {
	if err := cat.Write(dir); err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	fmt.Fprintf(w, "wrote %s (%d image references, %d policies)\n",
		filepath.Join(dir, fixtures.CatalogueFile), len(cat.Entries), len(cat.Policies))
	return nil
}

// progress reports pushes: a redrawn bar on a terminal, a plain line per
// tenth otherwise.
type progress struct {
	w        io.Writer
	terminal bool
	mu       sync.Mutex
	last     time.Time
	lastStep int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		if done < total && time.Since(p.last) < 100*time.Millisecond {
			return
		}
		p.last = time.Now()
		const width = 40
		n := width * done / total
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d", strings.Repeat("#", n), strings.Repeat("-", width-n), done, total)
		if done == total {
			fmt.Fprintln(p.w)
		}
		return
	}
	if step := 10 * done / total; step > p.lastStep || done == total {
		p.lastStep = step
		fmt.Fprintf(p.w, "pushed %d/%d\n", done, total)
	}
}
