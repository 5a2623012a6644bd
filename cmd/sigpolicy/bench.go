package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigpolicy/sigpolicy/bench"
	"github.com/sigpolicy/sigpolicy/fetch"
)

type benchFlags struct {
	registry    string
	scenarios   string
	count       int
	decisions   int
	duration    time.Duration
	concurrency []int
	rounds      int
	sides       []string
	output      string
	charts      string
	timeout     time.Duration
}

func newBenchCmd() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench [--registry HOST:PORT] [--scenarios all|NAME,...] [--count N] [--decisions N | --duration D] [--concurrency N,...]",
		Short: "Measure pull decisions against the containers image library and the floor on fixture images",
		Example: `  # Every scenario on the embedded registry: engine, fresh process, library and floor
  sigpolicy bench

  # 2,000 bulk images at concurrency 1, 4 and 16, with an HTML report
  sigpolicy bench --count 2000 --concurrency 1,4,16 -o html > bench.html`,
		Long: `bench builds fixture images (the embedded registry, or --registry), writes each
policy file's node files once (policy.json, registries.d, registries.conf), then
decides every image under every policy of its catalogue entry on each side:

  engine   sigpolicy's long-lived engine (compiled once, connections kept)
  fresh    what one "sigpolicy verify --root NODE IMAGE" pays: engine built from
           the node's files, new registry client, one decision
  library  the containers image library as CRI-O runs it at every pull
  floor    the same GETs on a bare HTTP client and the same public-key
           operations: the least work of a decision

for --decisions decisions per side (default: one pass) or --duration per side,
in --rounds interleaved rounds, at each --concurrency (a list sweeps it), and
reports latency percentiles, throughput and their ratios (docs/bench.md).
-o html writes one self-contained page with the charts; --charts DIR also
writes them as SVG files.

--scenarios all (the default) decides every scenario but the hostile-registry
ones (they measure timeouts; name them to include them), plus the --count bulk
images; --count N without --scenarios decides only the N bulk images.

Every verdict (engine, fresh, library) is checked against the catalogue,
whose verdicts are the library's: bench doubles as a differential check.

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
	fl.IntSliceVar(&f.concurrency, "concurrency", []int{bench.DefaultConcurrency}, "decisions in flight; a comma-separated list measures each")
	fl.IntVar(&f.rounds, "rounds", bench.DefaultRounds, "interleaved rounds each side's work is split into")
	fl.StringSliceVar(&f.sides, "sides", bench.AllSides, "sides to measure: engine, fresh, library, floor")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: text, json or html")
	fl.StringVar(&f.charts, "charts", "", "also write the charts as SVG files into this directory")
	fl.DurationVar(&f.timeout, "timeout", defaultTimeout, "deadline for each decision, and for each image pushed with --registry (must be positive)")
	return cmd
}

func (f *benchFlags) check(cmd *cobra.Command) error {
	switch {
	case f.output != "text" && f.output != "json" && f.output != "html":
		return fmt.Errorf("--output must be text, json or html, not %q", f.output)
	case f.count < 0 || f.decisions < 0 || f.duration < 0 || f.rounds < 1:
		return fmt.Errorf("--count, --decisions and --duration must be ≥ 0 and --rounds ≥ 1")
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
		Decisions: f.decisions, Duration: f.duration, Concurrency: f.concurrency, Rounds: f.rounds,
		Sides: f.sides, Progress: benchProgress(stderr), Timeout: f.timeout,
	})
	var optErr *bench.OptionError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return &exitError{code: exitUndecided, err: err}
	case errors.As(err, &optErr), errors.Is(err, bench.ErrEmptyWorkload):
		return usageErr(err)
	case fetch.IsUndecided(err): // the registry could not be asked
		return &exitError{code: exitUndecided, err: err}
	default: // fixture policies that do not load, a work directory that cannot be written
		return usageErr(err)
	}
	switch f.output {
	case "json":
		err = rep.WriteJSON(cmd.OutOrStdout())
	case "html":
		err = rep.WriteHTML(cmd.OutOrStdout())
	default:
		err = rep.WriteText(cmd.OutOrStdout())
	}
	if err == nil && f.charts != "" {
		err = writeCharts(f.charts, rep)
	}
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if rep.Mismatches > 0 {
		return &exitError{code: exitRejected, err: fmt.Errorf("%d decisions differ from the catalogue's verdicts", rep.Mismatches)}
	}
	return nil
}

// writeCharts writes the report's SVG charts into dir.
func writeCharts(dir string, rep *bench.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, svg := range rep.Charts() {
		if err := os.WriteFile(filepath.Join(dir, name), svg, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// benchProgress prints a side's advance on w about once a second, and when
// its round ends.
func benchProgress(w io.Writer) func(bench.Progress) {
	return func(p bench.Progress) {
		where := fmt.Sprintf("%s (concurrency %d, round %d/%d)", p.Side, p.Concurrency, p.Round, p.Rounds)
		if p.Total > 0 {
			fmt.Fprintf(w, "%s: %d/%d decisions in %s\n", where, p.Done, p.Total, p.Elapsed.Round(time.Millisecond))
			return
		}
		fmt.Fprintf(w, "%s: %d decisions in %s\n", where, p.Done, p.Elapsed.Round(time.Millisecond))
	}
}
