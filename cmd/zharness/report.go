package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
	"github.com/zharness/zharness/reports/html"
	"github.com/zharness/zharness/reports/plot"
)

func newReportCmd() *cobra.Command {
	var out, baseline string
	var threshold float64
	cmd := &cobra.Command{
		Use:   "report RESULTS.jsonl",
		Short: "Write the HTML report and PNG/SVG plots from a results file",
		Long: `report reads a results file and writes DIR/index.html (summary, conformance matrix,
one page per case, performance figures and table) with its plots beside it. With
--baseline, a comparison section shows the change of every performance point.`,
		Example: `  zharness report results/results.jsonl -o reports/out
  zharness report results/results.jsonl -o out --baseline main-results.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := reports.ReadFile(args[0])
			if err != nil {
				return usageWrap(err)
			}
			var cmp *compare.Comparison
			if baseline != "" {
				base, err := reports.ReadFile(baseline)
				if err != nil {
					return usageWrap(err)
				}
				if cmp, err = compare.Compare(base.Perf(), res.Perf(), compare.Options{Threshold: threshold}); err != nil && err != compare.ErrNoData {
					return internalErr(err)
				}
			}
			index, err := writeReport(res, out, cmp, baseline)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", index)
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "reports/out", "directory for index.html and the plots")
	cmd.Flags().StringVar(&baseline, "baseline", "", "results file of a baseline run to compare against")
	cmd.Flags().Float64Var(&threshold, "threshold", 0.05, "relative change a significant regression must exceed")
	return cmd
}

// writeReport draws the plots and writes the HTML; it returns index.html's path.
func writeReport(res *reports.Results, dir string, cmp *compare.Comparison, baseline string) (string, error) {
	imgs, err := plot.WriteAll(res, filepath.Join(dir, "plots"))
	if err != nil {
		return "", internalErr(fmt.Errorf("plots: %w", err))
	}
	if err := html.Write(dir, res, html.Options{Images: imgs, Comparison: cmp, Baseline: baseline}); err != nil {
		return "", internalErr(err)
	}
	return filepath.Join(dir, "index.html"), nil
}

func newCompareCmd() *cobra.Command {
	var threshold float64
	var markdown bool
	var matches []string
	var paired bool
	cmd := &cobra.Command{
		Use:   "compare BASE NEW",
		Short: "Compare two runs' performance points and fail on significant regressions",
		Long: `compare tests every performance point of NEW against BASE (Mann-Whitney U with a
Holm correction across points; at least 6 samples per side) and prints the change,
"~" where it is not significant. It exits 1 when a significant change is worse than
--threshold. BASE and NEW are results files (.jsonl) or Go benchmark output.`,
		Example: `  zharness compare main.jsonl results/results.jsonl
  zharness compare --threshold 0.10 --markdown old.txt new.txt`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			base, err := readPerf(args[0])
			if err != nil {
				return usageWrap(err)
			}
			cur, err := readPerf(args[1])
			if err != nil {
				return usageWrap(err)
			}
			match := map[string]string{}
			for _, m := range matches {
				// The last '=': a wrapped driver's name has its own
				// (faulty:spin=1us/gozmq=gozmq).
				i := strings.LastIndex(m, "=")
				n, b := m[:max(i, 0)], m[i+1:]
				if i < 0 || n == "" || b == "" {
					return usageErr("--match %q: expected NEW-DRIVER=BASE-DRIVER", m)
				}
				match[n] = b
			}
			c, err := compare.Compare(base, cur, compare.Options{Threshold: threshold, Match: match, Paired: paired})
			if err != nil {
				return usageWrap(err)
			}
			if markdown {
				err = c.WriteMarkdown(cmd.OutOrStdout())
			} else {
				err = c.WriteText(cmd.OutOrStdout())
			}
			if err != nil {
				return internalErr(err)
			}
			if len(c.Regressions()) > 0 {
				return &exitError{exitUnexpected, fmt.Errorf("%d significant regressions beyond %.0f%%", len(c.Regressions()), threshold*100)}
			}
			return nil
		},
	}
	cmd.Flags().Float64Var(&threshold, "threshold", 0.05, "relative change a significant regression must exceed")
	cmd.Flags().BoolVar(&markdown, "markdown", false, "print a markdown table")
	cmd.Flags().BoolVar(&paired, "paired", false, "the runs were measured in interleaved rounds (bench --against): test round against round (Wilcoxon signed-rank)")
	cmd.Flags().StringArrayVar(&matches, "match", nil, "NEW=BASE: compare NEW's driver NEW with BASE's driver BASE (e.g. faulty:spin=1us/gozmq=gozmq)")
	return cmd
}

// readPerf reads perf records from a results file or benchmark output.
func readPerf(path string) ([]*reports.Record, error) {
	res, err := reports.ReadFile(path)
	if err == nil {
		return res.Perf(), nil
	}
	if !errors.Is(err, reports.ErrSchema) {
		// A results file that is cut off or corrupt, or no file at all:
		// say so rather than "no benchmark lines".
		return nil, err
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := compare.ReadBenchfmt(f, path)
	if err != nil {
		return nil, fmt.Errorf("%s: neither a results file nor Go benchmark output: %w", path, err)
	}
	return recs, nil
}

func init() { extraCommands = append(extraCommands, newReportCmd, newCompareCmd) }
