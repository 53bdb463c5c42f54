package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/zharness/zharness/reports"
)

func newRunCmd() *cobra.Command {
	var co conformanceOpts
	var bo benchOpts
	var reportDir string
	var skipBench bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "The default job: conformance matrix, quick benchmarks, then the report",
		Long: `run runs the conformance matrix, then the quick benchmark profile, writes both into
RESULTS-DIR/results.jsonl and renders REPORT-DIR/index.html with its plots. Results
measured before an error or an interrupt are kept and reported (marked incomplete).
The exit status is that of the conformance part unless the harness failed.`,
		Example: `  zharness run --expectations ci/expectations.yaml
  zharness run --transport tcp --report-dir out
  zharness run --no-bench --pair libzmq:gozmq`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
			if !skipBench {
				// The benchmark flags are checked before the conformance
				// part, not after minutes of it.
				bo.transports = co.sel.transports
				if err := bo.check(); err != nil {
					return err
				}
			}
			cres, err := runConformance(&co, out, errw)
			if errors.Is(err, errInterrupted) {
				// Ctrl-C: report what was collected (the results say they
				// are incomplete, and so does the report), then exit 3.
				if res, rerr := reports.ReadFile(co.resultsPath()); rerr == nil {
					if index, werr := writeReport(res, reportDir, nil, ""); werr == nil {
						fmt.Fprintf(out, "report: %s (incomplete)\n", index)
					}
				}
				return err
			}
			if err != nil {
				return err
			}
			benchErr := error(nil)
			if !skipBench {
				bo.quick, bo.quiet, bo.transports = true, co.quiet, co.sel.transports
				w, err := reports.Append(cres.file)
				if err != nil {
					return internalErr(err)
				}
				fmt.Fprintln(errw, "bench: quick profile")
				var failed int
				failed, benchErr = runBench(&bo, w, out, errw)
				w.Close()
				if benchErr == nil && failed > 0 {
					benchErr = internalErr(fmt.Errorf("%s failed", plural(failed, "benchmark point")))
				}
			}
			res, err := reports.ReadFile(cres.file)
			if err != nil {
				return internalErr(err)
			}
			index, err := writeReport(res, reportDir, nil, "")
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "report: %s\n", index)
			if benchErr != nil {
				return benchErr
			}
			return verdictExit(cres)
		},
	}
	co.register(cmd.Flags())
	bo.register(cmd.Flags(), "bench-")
	cmd.Flags().StringVar(&reportDir, "report-dir", filepath.Join("reports", "out"), "directory for index.html and the plots")
	cmd.Flags().BoolVar(&skipBench, "no-bench", false, "skip the benchmarks")
	return cmd
}

func init() { extraCommands = append(extraCommands, newRunCmd) }
