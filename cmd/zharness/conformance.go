package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
	"github.com/zharness/zharness/suites/conformance"
)

// conformanceOpts are the flags of `conformance` (and the conformance part
// of `run`).
type conformanceOpts struct {
	sel          selection
	expectations string
	failOn       []string
	timeScale    float64
	jobs         int
	shard        string
	resultsDir   string
	resultsFile  string // internal: a worker's output file
	junit        string
	json         string
	ginkgoJSON   string
	quiet        bool
	verbose      bool
	inProcess    bool
}

func (o *conformanceOpts) register(fs *pflag.FlagSet) {
	o.sel.register(fs)
	fs.StringVar(&o.expectations, "expectations", "", "known deviations file (e.g. ci/expectations.yaml)")
	fs.StringSliceVar(&o.failOn, "fail-on", []string{"FAIL"}, "verdicts without an expectation that make the run fail (FAIL, NON-STRICT)")
	fs.Float64Var(&o.timeScale, "time-scale", 1, "multiply every scenario time bound (slow machines)")
	// Specs mostly wait (for messages, or for timeouts that prove an
	// absence), so several workers per core pay off.
	fs.IntVar(&o.jobs, "jobs", min(4*runtime.NumCPU(), 16), "worker processes to shard the specs across")
	fs.StringVar(&o.shard, "shard", "", "run only shard i of n (i/n), e.g. for CI runners whose results are merged")
	fs.StringVar(&o.resultsDir, "results-dir", "results", "directory for results.jsonl")
	fs.StringVar(&o.resultsFile, "results-file", "", "write records to this file (overrides --results-dir)")
	fs.StringVar(&o.junit, "junit", "", "also write JUnit XML to this file")
	fs.StringVar(&o.json, "json", "", "also write the results (JSON lines) to this file")
	fs.StringVar(&o.ginkgoJSON, "ginkgo-json", "", "also write Ginkgo's JSON report to this file")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "print only the summary")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "print every spec")
	fs.BoolVar(&o.inProcess, "in-process", false, "run specs inside the worker instead of one child process per spec (faster; a crashing implementation then ends the run)")
	_ = fs.MarkHidden("results-file")
}

func newConformanceCmd() *cobra.Command {
	var o conformanceOpts
	cmd := &cobra.Command{
		Use:   "conformance",
		Short: "Run the conformance matrix: case × driver pairing × transport",
		Long: `conformance runs every selected case for every ordered pair of drivers (the subject
driver runs the judged socket, the peer driver the others) over every transport, and
grades each spec PASS, FAIL, NON-STRICT, INFORMATIONAL, UNIMPLEMENTED or N/A. Records
are written to RESULTS-DIR/results.jsonl as each spec ends. The exit status is 1 when
any verdict differs from --expectations (or, without one, is in --fail-on).`,
		Example: `  zharness conformance
  zharness conformance --pair gozmq:libzmq --transport tcp
  zharness conformance --case 'pubsub.*' --junit junit.xml
  zharness conformance --label-filter 'grade:MUST && !transport:inproc'
  zharness conformance --expectations ci/expectations.yaml --fail-on FAIL,NON-STRICT`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := runConformance(&o, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return verdictExit(res)
		},
	}
	o.register(cmd.Flags())
	return cmd
}

// conformanceResult is what a conformance run leaves for the caller.
type conformanceResult struct {
	file       string
	results    *reports.Results
	unexpected int
	harness    []string
}

func verdictExit(r *conformanceResult) error {
	if len(r.harness) > 0 {
		return internalErr(fmt.Errorf("%d harness errors (not verdicts):\n  %s", len(r.harness), strings.Join(r.harness, "\n  ")))
	}
	if r.unexpected > 0 {
		return errUnexpected
	}
	return nil
}

func runConformance(o *conformanceOpts, stdout, stderr io.Writer) (*conformanceResult, error) {
	cases, err := loadCases(o.sel.scenarios)
	if err != nil {
		return nil, err
	}
	f, err := o.sel.filter()
	if err != nil {
		return nil, err
	}
	f.Shard, f.Shards, err = parseShard(o.shard)
	if err != nil {
		return nil, err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return nil, err
	}
	var exp *conformance.Expectations
	if o.expectations != "" {
		if exp, err = conformance.LoadExpectations(o.expectations); err != nil {
			return nil, usageWrap(err)
		}
	}
	plan, err := conformance.Plan(cases, f)
	if err != nil {
		return nil, usageWrap(err)
	}
	if plan, err = applyLabelFilter(plan, o.sel.labelFilter); err != nil {
		return nil, err
	}
	if len(plan) == 0 && f.Shards <= 1 {
		return nil, usageErr("no specs match the filters (see: zharness list specs, with the same flags)")
	}
	file := o.resultsPath()
	if o.resultsFile == "" {
		if err := os.MkdirAll(o.resultsDir, 0o755); err != nil {
			return nil, internalErr(err)
		}
	}
	if o.jobs > 1 && f.Shards <= 1 && len(plan) > 1 {
		err = runWorkers(o, file, len(plan), stderr)
	} else {
		err = runInProcess(o, cases, f, exp, failOn, file, len(plan), stderr)
	}
	if err != nil {
		return nil, err
	}
	res, err := reports.ReadFile(file)
	if err != nil {
		return nil, internalErr(err)
	}
	out := &conformanceResult{file: file, results: res}
	for _, r := range res.Conformance() {
		switch {
		case r.Verdict == "":
			out.harness = append(out.harness, r.Case+": "+r.Reason)
		case r.Unexpected:
			out.unexpected++
		}
	}
	if err := writeSideOutputs(o, res); err != nil {
		return nil, err
	}
	if o.resultsFile == "" {
		printSummary(stdout, res, o.quiet)
		fmt.Fprintf(stdout, "results: %s\n", file)
	}
	return out, nil
}

// resultsPath is where the run's records go.
func (o *conformanceOpts) resultsPath() string {
	if o.resultsFile != "" {
		return o.resultsFile
	}
	return filepath.Join(o.resultsDir, "results.jsonl")
}

// errInterrupted marks a run stopped by SIGINT or SIGTERM; the records
// written so far are kept, marked incomplete.
var errInterrupted = errors.New("interrupted")

func interruptedErr(file string) error {
	return &exitError{exitInternal, fmt.Errorf("%w; results so far in %s (marked incomplete)", errInterrupted, file)}
}

// cutShort reports whether rec belongs to a spec the interrupt cut short:
// its outcome says nothing about the implementation, so it is not
// recorded. Ginkgo, which also receives the signal, cancels the running
// spec, and an isolated spec then ends as a "hang"; that record can reach
// us a moment before our own signal context is done, hence the short wait
// for hangs (which took seconds anyway).
func cutShort(sig context.Context, rec *reports.Record) bool {
	if sig.Err() != nil {
		return true
	}
	if rec.FailKind != reports.KindHang {
		return false
	}
	select {
	case <-sig.Done():
		return true
	case <-time.After(200 * time.Millisecond):
		return false
	}
}

// privateTempDir points TMPDIR, for this process and the children it
// starts, at a new directory that restore removes. Everything the specs put
// there (ipc endpoint directories, the isolated children's included) goes
// with it, whatever happened to them: a child killed as hung or by an
// interrupt, or one that crashed, had no chance to clean up, and Ginkgo
// skips its cleanup nodes on a second interrupt.
func privateTempDir() (restore func(), err error) {
	dir, err := os.MkdirTemp("", "zhr-") // short: unix socket paths are limited to ~107 bytes
	if err != nil {
		return nil, err
	}
	old, had := os.LookupEnv("TMPDIR")
	if err := os.Setenv("TMPDIR", dir); err != nil {
		os.Remove(dir)
		return nil, err
	}
	return func() {
		if had {
			_ = os.Setenv("TMPDIR", old)
		} else {
			_ = os.Unsetenv("TMPDIR")
		}
		_ = os.RemoveAll(dir)
	}, nil
}

// resignal passes an interrupt on to Ginkgo when Ginkgo missed it: a
// signal that lands before RunSpecs has registered its handler reaches only
// our context, and the suite would then run to the end. Until the run has
// finished, the signal is raised again every second; once Ginkgo's handler
// is there it stops the suite (a repeat only hurries its cleanup along).
func resignal(sig context.Context, finished <-chan struct{}) {
	select {
	case <-sig.Done():
	case <-finished:
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-finished:
			return
		case <-t.C:
			_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		}
	}
}

func runInProcess(o *conformanceOpts, cases []*scenarios.Case, f conformance.Filter, exp *conformance.Expectations, failOn []reports.Verdict, file string, total int, stderr io.Writer) error {
	w, err := reports.Create(file, runMeta())
	if err != nil {
		return internalErr(err)
	}
	defer w.Close()
	prog := newProgress(stderr, "conformance", total, o.quiet || o.resultsFile != "")
	defer prog.finish()
	restore, err := privateTempDir()
	if err != nil {
		return internalErr(err)
	}
	defer restore()
	var iso *conformance.Isolation
	if !o.inProcess {
		if iso, err = selfIsolation(o.sel.scenarios); err != nil {
			return internalErr(err)
		}
	}
	// Ginkgo handles SIGINT itself (it cancels the running spec and skips
	// the rest); this context only tells us that it happened.
	sig, stopSig := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSig()
	emit := func(rec *reports.Record) error {
		if cutShort(sig, rec) {
			return nil
		}
		return w.Add(rec)
	}
	finished := make(chan struct{})
	defer close(finished)
	go resignal(sig, finished)
	st, err := conformance.Run(&conformance.Config{
		Cases: cases, Filter: f, Expectations: exp, FailOn: failOn, TimeScale: o.timeScale, Isolation: iso,
		Emit: emit,
		Progress: func(done, _ int, rec *reports.Record) {
			prog.update(done, rec.Unexpected)
		},
	}, conformance.RunOptions{LabelFilter: o.sel.labelFilter, JSONReport: o.ginkgoJSON, Verbose: o.verbose})
	if sig.Err() != nil {
		meta := runMeta()
		meta.Incomplete = true
		if err := w.Finish(meta); err != nil {
			return internalErr(err)
		}
		return interruptedErr(file)
	}
	if errors.Is(err, conformance.ErrNoSpecs) {
		if f.Shards > 1 {
			return nil // an empty shard is fine
		}
		return usageWrap(err)
	}
	if err != nil {
		return usageWrap(err)
	}
	if len(st.EmitErrors) > 0 {
		return internalErr(errors.Join(st.EmitErrors...))
	}
	return nil
}

func writeSideOutputs(o *conformanceOpts, res *reports.Results) error {
	if o.junit != "" {
		if err := writeFileWith(o.junit, func(w io.Writer) error { return reports.WriteJUnit(w, res) }); err != nil {
			return internalErr(err)
		}
	}
	if o.json != "" {
		if err := writeFileWith(o.json, func(w io.Writer) error { return reports.WriteResults(w, res) }); err != nil {
			return internalErr(err)
		}
	}
	return nil
}

func writeFileWith(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func printSummary(w io.Writer, res *reports.Results, quiet bool) {
	s := reports.Summarize(res)
	_ = reports.WriteSummary(w, s)
	if quiet {
		return
	}
	for _, r := range res.Conformance() {
		if r.Unexpected {
			fmt.Fprintf(w, "\nUNEXPECTED %s [%s:%s %s]: %s", r.Case, r.Subject, r.Peer, r.Transport, conformance.FailureMessage(r))
		}
	}
}
