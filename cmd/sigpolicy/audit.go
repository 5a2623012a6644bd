package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sigpolicy/sigpolicy/audit"
	"github.com/sigpolicy/sigpolicy/fetch"
	"github.com/sigpolicy/sigpolicy/simulate"
	"github.com/sigpolicy/sigpolicy/verify"
)

type auditFlags struct {
	source    sourceFlags
	namespace string
	registry  registryFlags

	images       []string
	workloads    []string
	releases     []string
	repositories []string

	output       string
	out          string
	shard        string
	resume       string
	hostRequests int
	hostRate     float64
	exitZero     bool
}

func newAuditCmd() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit (--images FILE | --workload PATH | --release IMAGE | --repository HOST/PATH)... POLICY",
		Short: "Decide every image of a list, a release payload, a registry or a fleet as CRI-O would, and say how to fix each refusal",
		Example: `  # Every image a release payload pulls, through the cluster's mirrors, before enabling verification
  sigpolicy audit -f policies/ -f mirror-sets/ --release quay.io/openshift-release-dev/ocp-release:4.18.1-x86_64 -o text

  # A list of images (one per line) against a node's files, as JSON Lines, resumable
  sigpolicy audit --root /host --images images.txt --out audit.jsonl --resume audit.jsonl

  # Every repository of a mirror registry, from the live cluster's policies, as an HTML report
  sigpolicy audit --cluster --repository mirror.example.net:8443/ -o html --out report.html

  # Shard 0 of 4 (a Kubernetes Indexed Job runs one per pod; see deploy/), then merge
  sigpolicy audit -f policies/ --images images.txt --shard 0/4 --exit-zero --out shard-0.jsonl
  sigpolicy audit merge shard-0.jsonl shard-1.jsonl shard-2.jsonl shard-3.jsonl -o text`,
		Long: `audit decides, for every image it is given, whether CRI-O would pull it under
the policy (the same engine and verdict as verify) and, for each one it would
not, names the cause and the remedy: the exact "oc image mirror" line for a
signature missing on the mirror that serves the image, what to change for the
others. Causes are documented in docs/audit.md.

The policy comes from exactly one of -f PATH... [--namespace NS], --cluster
[--namespace NS], --root DIR [--namespace NS] or --policy FILE
[--registries-d DIR], with --registries-conf FILE for mirrors, as for verify.

Images (any mix, each repeatable):
  --images FILE        one reference per line ("-": standard input); blank lines and # comments skipped
  --workload PATH      every container image of the workloads simulate reads
  --release IMAGE      an OpenShift release image: itself by digest, and every image its
                       release-manifests/image-references lists, pulled through the mirrors
  --repository SPEC    HOST/PATH: every tag of that repository; HOST/PATH/ or HOST: every tag of
                       every repository under it in the registry catalog (paginated)

Results stream as they are decided (-o jsonl, the default when standard output
is not a terminal; the last line is a summary); -o text groups them by cause,
-o junit and -o html make reports. Memory stays flat in the number of images
read from lists, release images and registries (--workload reads its manifests
whole, as simulate does).
--shard I/N takes the images whose hash falls in shard I (for a Kubernetes
Indexed Job: deploy/audit-indexed-job.yaml); "sigpolicy audit merge" combines
the shards. --resume FILE skips the images an earlier output decided.

Exit codes: 0 every image allowed; 1 at least one denied; 2 usage error,
unreadable input, invalid configuration or reference (and none denied); 3 at
least one could not be decided (and none denied or invalid); 4 the live
cluster could not be read (--cluster, --kubeconfig).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAudit(cmd, &f)
		},
	}
	fl := cmd.Flags()
	f.source.register(cmd, &f.namespace)
	fl.StringVarP(&f.namespace, "namespace", "n", "", "namespace whose ImagePolicies apply (with cluster objects or --root)")
	f.registry.register(fl, "registries.conf (v2) with mirrors, instead of the source's: the rendered one for cluster objects, DIR/etc/containers/registries.conf (and .d) for --root, none for --policy",
		"images decided at once")
	f.registry.concurrency = audit.DefaultConcurrency
	fl.Lookup("concurrency").DefValue = fmt.Sprint(audit.DefaultConcurrency)
	fl.StringArrayVar(&f.images, "images", nil, `file of image references, one per line, or "-" for standard input; repeatable`)
	fl.StringArrayVar(&f.workloads, "workload", nil, `workload manifest file or directory (as simulate reads them), or "-"; repeatable`)
	fl.StringArrayVar(&f.releases, "release", nil, "OpenShift release image; repeatable")
	fl.StringArrayVar(&f.repositories, "repository", nil, "HOST/PATH (its tags), HOST/PATH/ or HOST (the catalog under it); repeatable")
	fl.StringVarP(&f.output, "output", "o", "", "output format: jsonl, text, junit or html (default: jsonl when standard output is not a terminal, else text)")
	fl.StringVar(&f.out, "out", "", "write the output to this file instead of standard output (appended to when it is the --resume file)")
	fl.StringVar(&f.shard, "shard", "", "I/N: audit only shard I (from 0) of N")
	fl.StringVar(&f.resume, "resume", "", "earlier JSON Lines output: skip the images it decided (a missing file is empty)")
	fl.IntVar(&f.hostRequests, "registry-concurrency", 8, "requests in flight to each registry host")
	fl.Float64Var(&f.hostRate, "registry-rate", 0, "requests per second to each registry host (default: unlimited)")
	fl.BoolVar(&f.exitZero, "exit-zero", false, "exit 0 once the run completes, whatever the verdicts (for shards: the merge decides)")
	cmd.AddCommand(newAuditMergeCmd())
	return cmd
}

// auditEngine compiles the policy source once and builds the engine of the
// namespace and its registry client, which the image sources share.
func auditEngine(cmd *cobra.Command, f *auditFlags) (*verify.Engine, *fetch.Client, error) {
	if err := f.source.checkNamespace(f.namespace); err != nil {
		return nil, nil, err
	}
	compiled, err := f.source.compile(cmd, f.registry.registriesConf)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := compiled.Node(f.namespace)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	opts := append(f.registry.fetchOptions(), fetch.WithRegistryConcurrency(f.hostRequests))
	if f.hostRate > 0 {
		opts = append(opts, fetch.WithRegistryRate(f.hostRate))
	}
	if cfg.RegistriesConf != nil {
		opts = append(opts, fetch.WithRegistriesConf(cfg.RegistriesConf))
	}
	client, err := fetch.New(opts...)
	if err != nil {
		return nil, nil, usageErr(err)
	}
	engine, err := verify.New(cfg, verify.WithFetcher(client))
	if err != nil {
		return nil, nil, usageErr(err)
	}
	return engine, client, nil
}

func runAudit(cmd *cobra.Command, f *auditFlags) error {
	if err := f.registry.check(); err != nil {
		return usageErr(err)
	}
	if len(f.images)+len(f.workloads)+len(f.releases)+len(f.repositories) == 0 {
		return usageErr(errors.New("no images: give --images, --workload, --release or --repository"))
	}
	if f.hostRequests < 1 {
		return usageErr(errors.New("--registry-concurrency must be at least 1"))
	}
	if f.hostRate < 0 {
		return usageErr(errors.New("--registry-rate must not be negative"))
	}
	if err := stdinOnce(pathFlag{"-f", f.source.objects.files}, pathFlag{"--images", f.images}, pathFlag{"--workload", f.workloads}); err != nil {
		return usageErr(err)
	}
	// Every check on --out and -o comes before anything is opened: a
	// refused command line must leave every file as it was.
	format, err := auditFormat(f.output, f.out == "", cmd.OutOrStdout())
	if err != nil {
		return usageErr(err)
	}
	appendTo := f.out != "" && f.resume != "" && sameFile(f.out, f.resume)
	if appendTo && format != "jsonl" {
		return usageErr(fmt.Errorf("--out is the --resume file, which is JSON Lines: -o %s would mix formats in it", format))
	}
	inputs := slices.Concat(f.images, f.workloads, f.source.objects.files,
		[]string{f.source.policyFile, f.source.registriesD, f.registry.registriesConf, f.registry.authfile})
	if err := notAnInput(f.out, inputs); err != nil {
		return usageErr(err)
	}
	opts := audit.Options{Concurrency: f.registry.concurrency, Timeout: f.registry.timeout}
	if f.shard != "" {
		s, err := audit.ParseShard(f.shard)
		if err != nil {
			return usageErr(err)
		}
		opts.Shard = s
	}
	if f.resume != "" {
		r, err := audit.LoadResume(f.resume)
		if err != nil {
			return usageErr(fmt.Errorf("--resume: %w", err))
		}
		opts.Resume = r
	}
	engine, client, err := auditEngine(cmd, f)
	if err != nil {
		return err
	}
	for _, cerr := range engine.ConfigErrors() {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning:", cerr)
	}
	refs, closeInputs, err := auditSources(cmd, f, client)
	if err != nil {
		return usageErr(err)
	}
	defer closeInputs()

	out, closeOut, err := auditOutput(cmd, f.out, appendTo)
	if err != nil {
		return usageErr(err)
	}
	w, err := auditWriter(format, out)
	if err != nil {
		closeOut()
		return usageErr(err)
	}
	if isTerminal(cmd.ErrOrStderr()) {
		opts.Progress = &audit.Progress{}
		stop := showProgress(cmd.ErrOrStderr(), opts.Progress)
		defer stop()
	}
	sum, err := audit.Run(cmd.Context(), engine, refs, opts, w)
	if cerr := closeOut(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		code := exitUsage
		if errors.Is(err, audit.ErrInput) && fetch.IsUndecided(err) {
			code = exitUndecided
		}
		// A result already written outranks the failure as the documented
		// order says: a denial (1) before invalid (2) before undecided (3).
		if c := sum.ExitCode(); c != exitOK {
			code = min(code, c)
		}
		return &exitError{code: code, err: excerpted{err}}
	}
	if code := sum.ExitCode(); code != exitOK && !f.exitZero {
		return &exitError{code: code}
	}
	return nil
}

// auditSources chains the image sources in flag order: files, workloads,
// releases, repositories.
func auditSources(cmd *cobra.Command, f *auditFlags, client *fetch.Client) (iter.Seq2[audit.Ref, error], func(), error) {
	var sources []iter.Seq2[audit.Ref, error]
	var opened []io.Closer
	closeAll := func() {
		for _, c := range opened {
			c.Close()
		}
	}
	for _, p := range f.images {
		if p == "-" {
			sources = append(sources, audit.Lines(cmd.InOrStdin(), "stdin"))
			continue
		}
		fh, err := os.Open(p)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		opened = append(opened, fh)
		sources = append(sources, audit.Lines(fh, p))
	}
	if len(f.workloads) > 0 {
		warn := func(n string) { fmt.Fprintln(cmd.ErrOrStderr(), "warning:", n) }
		sources = append(sources, audit.Workloads(simulate.LoadOptions{Stdin: cmd.InOrStdin()}, warn, f.workloads...))
	}
	for _, r := range f.releases {
		sources = append(sources, audit.Release(cmd.Context(), client, r, f.registry.timeout))
	}
	for _, r := range f.repositories {
		sources = append(sources, audit.Repository(cmd.Context(), client, r))
	}
	return audit.Concat(sources...), closeAll, nil
}

// auditOutput opens --out: appended to (after dropping a last line cut
// short) when it is the --resume file, else created afresh; standard
// output when not set.
func auditOutput(cmd *cobra.Command, path string, appendTo bool) (io.Writer, func() error, error) {
	if path == "" {
		return cmd.OutOrStdout(), func() error { return nil }, nil
	}
	if !appendTo {
		fh, err := os.Create(path)
		if err != nil {
			return nil, nil, err
		}
		return fh, fh.Close, nil
	}
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, err
	}
	if err := dropPartialLine(fh); err != nil {
		fh.Close()
		return nil, nil, err
	}
	return fh, fh.Close, nil
}

// dropPartialLine truncates f after its last newline and leaves the offset
// at the end.
func dropPartialLine(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	end := st.Size()
	buf := make([]byte, 64<<10)
	for pos := end; pos > 0; {
		n := min(int64(len(buf)), pos)
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			end = pos + int64(i) + 1
			break
		}
		if pos == 0 {
			end = 0
		}
	}
	if end != st.Size() {
		if err := f.Truncate(end); err != nil {
			return err
		}
	}
	_, err = f.Seek(end, io.SeekStart)
	return err
}

// auditFormat checks the output format asked for; the default follows
// whether the output is standard output on a terminal.
func auditFormat(format string, toStdout bool, stdout io.Writer) (string, error) {
	switch format {
	case "":
		if toStdout && isTerminal(stdout) {
			return "text", nil
		}
		return "jsonl", nil
	case "jsonl", "text", "junit", "html":
		return format, nil
	}
	return "", fmt.Errorf("--output must be jsonl, text, junit or html, not %q", format)
}

// auditWriter makes the writer of a format auditFormat returned.
func auditWriter(format string, out io.Writer) (audit.Writer, error) {
	switch format {
	case "text":
		return audit.NewText(out), nil
	case "junit":
		return audit.NewJUnit(out)
	case "html":
		return audit.NewHTML(out), nil
	}
	return audit.NewJSONLines(out), nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// showProgress redraws the progress line on w until stop is called.
func showProgress(w io.Writer, p *audit.Progress) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(w, "\r\033[K"+p.Line(time.Since(start)))
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// notAnInput refuses an output file that is one of the inputs, or inside
// an input directory (read recursively): writing it would destroy what is
// being read. Empty and "-" inputs are skipped.
func notAnInput(out string, inputs []string) error {
	if out == "" {
		return nil
	}
	outInfo, outErr := os.Stat(out)
	var dirs []os.FileInfo // the directories holding out, innermost first
	if dir, err := filepath.Abs(filepath.Dir(out)); err == nil {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		}
		for ; ; dir = filepath.Dir(dir) {
			if info, err := os.Stat(dir); err == nil {
				dirs = append(dirs, info)
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, in := range inputs {
		if in == "" || in == "-" {
			continue
		}
		info, err := os.Stat(in)
		if err != nil {
			continue
		}
		if outErr == nil && os.SameFile(info, outInfo) {
			return fmt.Errorf("--out %s is also an input", out)
		}
		if info.IsDir() && slices.ContainsFunc(dirs, func(d os.FileInfo) bool { return os.SameFile(info, d) }) {
			return fmt.Errorf("--out %s is inside the input directory %s", out, in)
		}
	}
	return nil
}

// sameFile reports whether a and b name one file: the same file when both
// exist, else the same absolute path.
func sameFile(a, b string) bool {
	ai, aerr := os.Stat(a)
	bi, berr := os.Stat(b)
	if aerr == nil && berr == nil {
		return os.SameFile(ai, bi)
	}
	absA, aerr := filepath.Abs(a)
	absB, berr := filepath.Abs(b)
	return aerr == nil && berr == nil && absA == absB
}

func newAuditMergeCmd() *cobra.Command {
	var output, out string
	cmd := &cobra.Command{
		Use:     "merge FILE...",
		Short:   "Combine the JSON Lines outputs of audit shards into one report",
		Example: `  sigpolicy audit merge shard-*.jsonl -o html > report.html`,
		Long: `merge reads the JSON Lines outputs of the shards of one audit (several files may
hold one shard, such as a run and its --resume) and writes every image's result
once, in any output format, followed by a summary of the whole. It fails (exit
2) without writing anything when the outputs are not one complete audit: a
file without its closing summary (a run that did not finish), shards of
different inputs, a missing shard or one holding fewer images than its summary
counts (a gap), an image in the wrong shard, or an image decided twice.

Exit codes otherwise as for audit, over the merged results.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			format, err := auditFormat(output, out == "", cmd.OutOrStdout())
			if err != nil {
				return usageErr(err)
			}
			if err := notAnInput(out, files); err != nil {
				return usageErr(err)
			}
			merged, err := audit.CheckMerge(files)
			if err != nil {
				return usageErr(err)
			}
			w, closeOut, err := auditOutput(cmd, out, false)
			if err != nil {
				return usageErr(err)
			}
			defer closeOut()
			writer, err := auditWriter(format, w)
			if err != nil {
				return usageErr(err)
			}
			sum, err := merged.Write(writer)
			if err != nil {
				return usageErr(err)
			}
			if cerr := closeOut(); cerr != nil {
				return cerr
			}
			if code := sum.ExitCode(); code != exitOK {
				return &exitError{code: code}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: jsonl, text, junit or html (default: jsonl when standard output is not a terminal, else text)")
	cmd.Flags().StringVar(&out, "out", "", "write the output to this file instead of standard output")
	return cmd
}
