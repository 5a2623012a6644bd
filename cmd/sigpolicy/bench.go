package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/bench"
)

type benchFlags struct {
	registry    string
	scenarios   string
	count       int
	decisions   int
	duration    time.Duration
	concurrency int
	compare     string
	output      string
	timeout     time.Duration
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench [--registry HOST:PORT] [--scenarios all|NAME,...] [--count N] [--decisions N | --duration D]",
		Short: "Measure pull decisions against the containers image library on fixture images",
		Long: `bench builds fixture images (the embedded registry, or --registry), then decides
every image under every policy of its catalogue entry — one compiled engine per
policy file, one shared registry client, --concurrency decisions in flight — for
--decisions decisions (default: one pass) or for --duration. With --compare
library (the default) it then runs the same decisions through the containers
image library, as CRI-O does at every pull, and reports both sides' latency
percentiles, throughput and their ratio (docs/bench.md).

--scenarios all (the default) decides every scenario but the hostile-registry
ones (they measure timeouts; name them to include them), plus the --count bulk
images; --count N without --scenarios decides only the N bulk images.

Every verdict is checked against the catalogue, whose verdicts are the
library's: bench doubles as a differential check.

Exit codes: 0 every verdict as expected; 1 a verdict differs (up to 10 are
listed); 2 usage error; 3 the registry cannot be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.registry, "registry", "", "push the fixtures into this registry host:port (default: start the embedded registry)")
	fl.StringVar(&f.scenarios, "scenarios", "all", `"all" (hostile scenarios excepted) or a comma-separated list of scenario names`)
	fl.IntVar(&f.count, "count", 0, "also build this many bulk images; without --scenarios only they are decided")
	fl.IntVar(&f.decisions, "decisions", 0, "decisions per side, cycling over the workload (default: one pass)")
	fl.DurationVar(&f.duration, "duration", 0, "run each side for this long instead of a number of decisions")
	fl.IntVar(&f.concurrency, "concurrency", bench.DefaultConcurrency, "decisions in flight")
	fl.StringVar(&f.compare, "compare", string(bench.CompareLibrary), "compare with: library or none")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text or json")
	fl.DurationVar(&f.timeout, "timeout", defaultTimeout, "deadline for each decision, and for each image pushed with --registry (must be positive)")
	return cmd
}

func (f *benchFlags) check(cmd *cobra.Command) error {
	switch {
	case f.output != "text" && f.output != "json":
		return fmt.Errorf("--output must be text or json, not %q", f.output)
	case f.compare != string(bench.CompareLibrary) && f.compare != string(bench.CompareNone):
		return fmt.Errorf("--compare must be library or none, not %q", f.compare)
	case f.count < 0 || f.decisions < 0 || f.duration < 0 || f.concurrency < 1:
		return fmt.Errorf("--count, --decisions and --duration must be ≥ 0 and --concurrency ≥ 1")
	case cmd.Flags().Changed("decisions") && cmd.Flags().Changed("duration"):
		return errors.New("--decisions and --duration exclude each other")
	case cmd.Flags().Changed("registry") && (f.registry == "" || strings.ContainsAny(f.registry, "/ ")):
		return fmt.Errorf("--registry must be HOST[:PORT], got %q", f.registry)
	}
	return checkTimeout(f.timeout)
}

// scenarioNames returns the named scenarios; nil when --scenarios was left
// out, so that --count alone decides the bulk images only.
func (f *benchFlags) scenarioNames(cmd *cobra.Command) ([]string, error) {
	var names []string
	for _, n := range strings.Split(f.scenarios, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	switch {
	case len(names) == 0:
		return nil, errors.New("--scenarios is empty")
	case !cmd.Flags().Changed("scenarios"):
		return nil, nil
	}
	return names, nil
}

func runBench(cmd *cobra.Command, f *benchFlags) error {
	if err := f.check(cmd); err != nil {
		return usageErr(err)
	}
	names, err := f.scenarioNames(cmd)
	if err != nil {
		return usageErr(err)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stderr := cmd.ErrOrStderr()
	fx, err := bench.Prepare(ctx, bench.Selection{Registry: f.registry, Scenarios: names, Count: f.count, Progress: newProgress(stderr).update, PushTimeout: f.timeout})
	if err != nil {
		return fixturesErr(err)
	}
	defer fx.Close()
	where := "registry " + fx.Catalogue.Registry
	if fx.Embedded {
		where = "embedded registry " + fx.Catalogue.Registry
	}
	fmt.Fprintf(stderr, "deciding %d images on the %s\n", len(fx.Catalogue.Entries), where)
	rep, err := bench.Run(ctx, fx.Catalogue, bench.Options{
		Decisions: f.decisions, Duration: f.duration, Concurrency: f.concurrency,
		Compare: bench.Compare(f.compare), Progress: benchProgress(stderr), Timeout: f.timeout,
	})
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return &exitError{code: exitUndecided, err: err}
	default: // an empty selection, or fixture policies that do not load
		return usageErr(err)
	}
	if f.output == "json" {
		err = rep.WriteJSON(cmd.OutOrStdout())
	} else {
		err = rep.WriteText(cmd.OutOrStdout())
	}
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if rep.Mismatches > 0 {
		return &exitError{code: exitRejected, err: fmt.Errorf("%d decisions differ from the catalogue's verdicts", rep.Mismatches)}
	}
	return nil
}

// benchProgress prints a side's advance on w about once a second, and when
// it ends.
func benchProgress(w io.Writer) func(bench.Progress) {
	return func(p bench.Progress) {
		if p.Total > 0 {
			fmt.Fprintf(w, "%s: %d/%d decisions in %s\n", p.Side, p.Done, p.Total, p.Elapsed.Round(time.Millisecond))
			return
		}
		fmt.Fprintf(w, "%s: %d decisions in %s\n", p.Side, p.Done, p.Elapsed.Round(time.Millisecond))
	}
}
