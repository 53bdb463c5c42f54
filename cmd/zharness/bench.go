package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/remote"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
	"github.com/zharness/zharness/suites/perf"
)

// benchOpts are the flags of `bench` (and the benchmark part of `run`).
type benchOpts struct {
	drivers     []string
	transports  []string
	workloads   []string
	sizes       []string
	files       []string
	quick       bool
	repeats     int
	sameProcess bool
	nativeDir   string
	resultsDir  string
	benchOut    string
	quiet       bool
}

func (o *benchOpts) register(fs *pflag.FlagSet, prefix string) {
	fs.StringSliceVar(&o.drivers, prefix+"driver", nil, "drivers to measure (libzmq, gozmq, libzmq-binding, raw)")
	fs.StringSliceVar(&o.workloads, prefix+"workload", nil, "workload ids or kinds (throughput, latency, fanout)")
	fs.StringSliceVar(&o.sizes, prefix+"size", nil, "message sizes in bytes (e.g. 64,1024)")
	fs.StringSliceVar(&o.files, prefix+"workloads-file", nil, "workload YAML files or directories instead of the embedded ones")
	fs.IntVar(&o.repeats, prefix+"repeats", 0, "repeat every measurement this many times (default: the workload's)")
	fs.BoolVar(&o.sameProcess, prefix+"same-process", false, "run the remote end in this process instead of a zharness peer process")
	fs.StringVar(&o.nativeDir, "native-dir", "", "directory with the native reference programs (zh_local_thr ...; built by make)")
}

func newBenchCmd() *cobra.Command {
	var o benchOpts
	var ab abOpts
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure latency and throughput across drivers, transports and message sizes",
		Long: `bench runs the performance workloads (embedded scenarios/perf/*.yaml): PUSH/PULL
throughput measured at the receiver from the first to the last message, REQ/REP and
PAIR round-trip latency (one-way = round trip / 2, percentiles from HdrHistogram),
PUB/SUB fan-out. The remote end runs in a separate process; native C and raw-socket
reference lines are measured alternately with the harness in the same run. Every
point is written to RESULTS-DIR/results.jsonl and as a Go benchmark line (benchstat).`,
		Example: `  zharness bench --quick
  zharness bench --driver libzmq --transport tcp --size 64,1024 --repeats 6
  zharness bench --quick --bench-out new.txt && benchstat old.txt new.txt
  zharness bench --against /path/to/main/zharness --driver gozmq --transport tcp
  zharness bench --against self --driver gozmq --against-driver gozmq   # A/A`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err // before the results file is created
			}
			if ab.against != "" {
				c, err := runInterleaved(&o, &ab, cmd.OutOrStdout(), cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				if err := c.WriteText(cmd.OutOrStdout()); err != nil {
					return internalErr(err)
				}
				if n := len(c.Regressions()); n > 0 {
					return &exitError{exitUnexpected, fmt.Errorf("%d significant regressions beyond %.0f%%", n, ab.threshold*100)}
				}
				return nil
			}
			file := filepath.Join(o.resultsDir, "results.jsonl")
			if err := os.MkdirAll(o.resultsDir, 0o755); err != nil {
				return internalErr(err)
			}
			w, err := reports.Create(file, runMeta())
			if err != nil {
				return internalErr(err)
			}
			defer w.Close()
			failed, err := runBench(&o, w, cmd.OutOrStdout(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "results: %s\n", file)
			if failed > 0 {
				return internalErr(fmt.Errorf("%s failed (see the results for the error of each)", plural(failed, "point")))
			}
			return nil
		},
	}
	o.register(cmd.Flags(), "")
	cmd.Flags().StringSliceVar(&o.transports, "transport", nil, "tcp, ipc or inproc")
	cmd.Flags().BoolVar(&o.quick, "quick", false, "the quick profile (as in make run)")
	cmd.Flags().StringVar(&o.resultsDir, "results-dir", "results", "directory for results.jsonl")
	cmd.Flags().StringVar(&o.benchOut, "bench-out", "", "also write Go benchmark lines to this file")
	cmd.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress output")
	cmd.Flags().StringVar(&ab.against, "against", "", "interleave with this baseline zharness executable (\"self\" for A/A): base.jsonl and results.jsonl, then compare")
	cmd.Flags().StringSliceVar(&ab.againstDrivers, "against-driver", nil, "with --against: the drivers the baseline measures, paired by position with --driver")
	cmd.Flags().IntVar(&ab.rounds, "rounds", 20, "with --against: rounds, each one sample of every point per side (20 find a 10–15 % change on a quiet machine)")
	cmd.Flags().Float64Var(&ab.threshold, "threshold", 0.05, "with --against: relative change a significant regression must exceed")
	return cmd
}

// check rejects unknown driver names (listing the valid ones) and bad
// transports or sizes, so that a usage error comes before any work.
func (o *benchOpts) check() error {
	valid := append(drivers.Names(), "raw") // raw: the raw-socket reference
	for _, d := range o.drivers {
		if slices.Contains(valid, d) {
			continue
		}
		// Parameterised names (faulty:spin=1us/gozmq, remote:libzmq)
		// resolve through the registry; an unknown one lists the valid.
		if _, err := drivers.Lookup(d); err != nil || !strings.Contains(d, ":") {
			return usageErr("--driver: unknown driver %q (valid: %s)", d, strings.Join(valid, ", "))
		}
	}
	for _, t := range o.transports {
		if _, err := drivers.ParseTransport(t); err != nil {
			return usageErr("--transport: %v", err)
		}
	}
	for _, sz := range o.sizes {
		if _, err := perf.ParseSize(sz); err != nil {
			return usageErr("--size %q: %v", sz, err)
		}
	}
	return nil
}

// runBench runs the workloads, appending each point to w as it completes.
// It returns the number of failed points.
func runBench(o *benchOpts, w *reports.Writer, stdout, stderr io.Writer) (int, error) {
	if err := o.check(); err != nil {
		return 0, err
	}
	var plan *perf.Plan
	var err error
	if len(o.files) > 0 {
		plan, err = perf.LoadFiles(o.files...)
	} else {
		var sub fs.FS
		if sub, err = fs.Sub(scenarios.Embedded, "perf"); err == nil {
			plan, err = perf.LoadFS(sub)
		}
	}
	if err != nil {
		return 0, usageErr("invalid workloads:\n%v", err)
	}
	opts := perf.Options{Drivers: o.drivers, Workloads: o.workloads, Quick: o.quick, Repeats: o.repeats,
		SameProcess: o.sameProcess, NativeDir: o.nativeDir, PeerCommand: selfPeerCommand()}
	for _, t := range o.transports {
		tr, err := drivers.ParseTransport(t)
		if err != nil {
			return 0, usageErr("--transport: %v", err)
		}
		opts.Transports = append(opts.Transports, tr)
	}
	for _, s := range o.sizes {
		n, err := perf.ParseSize(s)
		if err != nil {
			return 0, usageErr("--size %q: %v", s, err)
		}
		opts.Sizes = append(opts.Sizes, n)
	}
	var benchFile *os.File
	if o.benchOut != "" {
		if benchFile, err = os.Create(o.benchOut); err != nil {
			return 0, internalErr(err)
		}
		defer benchFile.Close()
		opts.BenchOut = benchFile
	} else if !o.quiet {
		opts.BenchOut = stdout
	}
	prog := newProgress(stderr, "bench", 0, o.quiet)
	opts.Progress = func(p perf.Progress) {
		prog.mu.Lock()
		prog.total = p.Total
		prog.mu.Unlock()
		prog.update(p.Done, p.Record != nil && p.Record.Perf != nil && p.Record.Perf.Error != "")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed := 0
	var emitErr error
	err = perf.Run(ctx, plan, opts, func(r *reports.Record) {
		if r.Perf != nil && r.Perf.Error != "" {
			failed++
		}
		if err := w.Add(r); err != nil && emitErr == nil {
			emitErr = err
		}
	})
	prog.finish()
	if emitErr != nil {
		return failed, internalErr(emitErr)
	}
	if ctx.Err() != nil {
		meta := runMeta()
		meta.Incomplete = true
		_ = w.Finish(meta)
		return failed, &exitError{exitInternal, fmt.Errorf("interrupted; points measured so far are in the results (marked incomplete)")}
	}
	if err != nil {
		return failed, usageWrap(err)
	}
	return failed, nil
}

func newPeerCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "peer (bench|driver) [flags]",
		Short:              "Internal: the remote end of a measurement, or a driver agent (drivers/remote/PROTOCOL.md)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			switch {
			case len(args) > 0 && args[0] == "bench":
				err = perf.PeerMain(args[1:], os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr())
			case len(args) > 0 && args[0] == "driver":
				// os.Stdout itself: the agent moves the protocol to a copy of
				// fd 1 so stray prints from an implementation cannot corrupt it.
				err = remote.PeerMain(args[1:], os.Stdin, os.Stdout, cmd.ErrOrStderr())
			default:
				return usageErr("peer: expected `peer bench ...` or `peer driver --driver NAME`")
			}
			if err != nil {
				return internalErr(err)
			}
			return nil
		},
	}
}

func selfPeerCommand() func(args ...string) *exec.Cmd {
	return perf.DefaultPeerCommand
}

func init() { extraCommands = append(extraCommands, newBenchCmd, newPeerCmd) }
