package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
)

// abOpts are bench's flags for an interleaved comparison (decisions.md,
// ruling 14): the baseline and the new build are measured alternately,
// one sample of every point per round, so that the drift of a shared,
// noisy machine falls on both sides alike instead of on whichever run
// came second.
type abOpts struct {
	against        string   // the baseline's zharness executable; "self" for an A/A run
	againstDrivers []string // drivers the baseline measures, paired by position with --driver
	rounds         int
	threshold      float64
}

// sideRun is one side of the comparison.
type sideRun struct {
	name string // "base" or "new"
	exe  string
	args []string
	w    *reports.Writer
	recs []*reports.Record
}

// runInterleaved runs the rounds and then the comparison. It returns the
// comparison, or an error; points measured are in the two results files
// whatever happens.
func runInterleaved(o *benchOpts, ab *abOpts, stdout, stderr io.Writer) (*compare.Comparison, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, internalErr(err)
	}
	base := ab.against
	if base == "self" {
		base = self
	}
	if _, err := exec.LookPath(base); err != nil {
		return nil, usageErr("--against %q: %v", ab.against, err)
	}
	if len(ab.againstDrivers) > 0 && len(ab.againstDrivers) != len(o.drivers) {
		return nil, usageErr("--against-driver: give one per --driver (%d), paired by position; got %d", len(o.drivers), len(ab.againstDrivers))
	}
	if ab.rounds < 1 {
		return nil, usageErr("--rounds: expected at least 1, got %d", ab.rounds)
	}
	baseOpts := *o
	if len(ab.againstDrivers) > 0 {
		baseOpts.drivers = ab.againstDrivers
	}
	if err := os.MkdirAll(o.resultsDir, 0o755); err != nil {
		return nil, internalErr(err)
	}
	sides := []*sideRun{
		{name: "base", exe: base, args: baseOpts.forwardArgs()},
		{name: "new", exe: self, args: o.forwardArgs()},
	}
	files := map[string]string{"base": filepath.Join(o.resultsDir, "base.jsonl"), "new": filepath.Join(o.resultsDir, "results.jsonl")}
	for _, s := range sides {
		meta := runMeta()
		meta.Command = append([]string{s.exe, "bench"}, s.args...)
		if s.w, err = reports.Create(files[s.name], meta); err != nil {
			return nil, internalErr(err)
		}
		defer s.w.Close()
	}
	tmp, err := os.MkdirTemp("", "zharness-ab-")
	if err != nil {
		return nil, internalErr(err)
	}
	defer os.RemoveAll(tmp)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for round := 0; round < ab.rounds; round++ {
		// ABBA order: the side that went second goes first next round,
		// so neither gains from a warm cache or a quieter moment.
		order := []*sideRun{sides[0], sides[1]}
		if round%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range order {
			if err := s.sample(ctx, tmp, round, stderr); err != nil {
				if ctx.Err() != nil {
					return nil, &exitError{exitInternal, fmt.Errorf("interrupted in round %d; samples so far are in %s and %s", round+1, files["base"], files["new"])}
				}
				return nil, internalErr(err)
			}
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "ab: round %d/%d done\n", round+1, ab.rounds)
		}
	}
	match := map[string]string{}
	for i, d := range ab.againstDrivers {
		match[o.drivers[i]] = d
	}
	c, err := compare.Compare(sides[0].recs, sides[1].recs, compare.Options{Threshold: ab.threshold, Match: match, Paired: true})
	if err != nil {
		return nil, usageWrap(err)
	}
	fmt.Fprintf(stdout, "base: %s (%s)\nnew:  %s (%s)\n", files["base"], base, files["new"], self)
	return c, nil
}

// sample runs one round of this side: every selected point once, in a
// process of the side's executable, and appends its records.
func (s *sideRun) sample(ctx context.Context, tmp string, round int, stderr io.Writer) error {
	dir := filepath.Join(tmp, s.name+"-"+strconv.Itoa(round))
	args := append([]string{"bench"}, s.args...)
	args = append(args, "--repeats", "1", "--results-dir", dir, "--quiet")
	cmd := exec.CommandContext(ctx, s.exe, args...)
	var errOut strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &errOut
	runErr := cmd.Run()
	res, err := reports.ReadFile(filepath.Join(dir, "results.jsonl"))
	if err != nil {
		if runErr != nil {
			return fmt.Errorf("%s side, round %d: %s %s: %v\n%s", s.name, round+1, s.exe, strings.Join(args, " "), runErr, tailText(errOut.String(), 2000))
		}
		return err
	}
	// A point that failed inside a round is in the records with its error
	// and is not a sample; the round goes on.
	for _, r := range res.Perf() {
		r.Perf.Repeat = round
		if err := s.w.Add(r); err != nil {
			return err
		}
		s.recs = append(s.recs, r)
	}
	if runErr != nil && len(res.Perf()) == 0 {
		return fmt.Errorf("%s side, round %d: %v\n%s", s.name, round+1, runErr, tailText(errOut.String(), 2000))
	}
	return nil
}

// forwardArgs are the bench flags that select what is measured, as the
// baseline's executable takes them.
func (o *benchOpts) forwardArgs() []string {
	var a []string
	for _, f := range []struct {
		name string
		vals []string
	}{{"--driver", o.drivers}, {"--transport", o.transports}, {"--workload", o.workloads}, {"--size", o.sizes}, {"--workloads-file", o.files}} {
		for _, v := range f.vals {
			a = append(a, f.name, v)
		}
	}
	if o.quick {
		a = append(a, "--quick")
	}
	if o.sameProcess {
		a = append(a, "--same-process")
	}
	if o.nativeDir != "" {
		a = append(a, "--native-dir", o.nativeDir)
	}
	return a
}

func tailText(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
