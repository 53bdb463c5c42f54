package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/reportstest"
)

// TestBench measures the tiny workloads (two processes, real drivers) and
// checks the results file and the benchmark lines.
func TestBench(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wl := tinyWorkloadsDir(t, dir)
	r := zh(t, dir, 60*time.Second, "bench", "--quick", "--workloads-file", wl, "--results-dir", "res", "--bench-out", "bench.txt", "--quiet")
	wantCode(t, r, 0)
	res := readResults(t, filepath.Join(dir, "res", "results.jsonl"))
	perf := res.Perf()
	if len(perf) != 12 { // 2 workloads × 6 repeats
		t.Fatalf("want 12 perf records, got %d", len(perf))
	}
	for _, p := range perf {
		if p.Perf.Error != "" || p.Perf.MsgsPerSec <= 0 || p.Subject != "libzmq" || p.Transport != "tcp" || p.Perf.Size != 64 {
			t.Errorf("perf record %+v %+v", p, p.Perf)
		}
		if p.Perf.Workload == "latency" && p.Perf.LatP50 <= 0 {
			t.Errorf("latency point without p50: %+v", p.Perf)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "bench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\nBenchmark"); n < 11 {
		t.Errorf("want 12 benchmark lines, got %d:\n%s", n, b)
	}

	// compare of a run with itself: nothing changed, exit 0.
	f := filepath.Join(dir, "res", "results.jsonl")
	c := zh(t, dir, 20*time.Second, "compare", f, f)
	wantCode(t, c, 0)
	if !strings.Contains(c.stdout, "0 regressions") {
		t.Errorf("compare A/A:\n%s", c)
	}
	// The benchmark text format is accepted too.
	c = zh(t, dir, 20*time.Second, "compare", filepath.Join(dir, "bench.txt"), f)
	wantCode(t, c, 0)
}

// TestReport renders the shared sample results (every verdict, perf
// points with repeats) and checks the files.
func TestReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := writeResultsFile(t, dir, "sample.jsonl", reportstest.Results())
	r := zh(t, dir, 60*time.Second, "report", in, "-o", "out")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "report: out/index.html") {
		t.Errorf("report output:\n%s", r)
	}
	html, err := os.ReadFile(filepath.Join(dir, "out", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reqrep.req-round-robin", "gozmq", "libzmq"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "out", "plots", "*.png"))
	if len(pngs) == 0 {
		t.Error("no PNG plots written")
	}
	// With a baseline (the same file), the comparison section appears.
	r = zh(t, dir, 60*time.Second, "report", in, "-o", "out2", "--baseline", in)
	wantCode(t, r, 0)
}

// TestCompare uses synthetic results: A/A is no regression (exit 0), a
// 20 % throughput drop on 8 samples per point is (exit 1).
func TestCompare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := writeResultsFile(t, dir, "base.jsonl", synthetic(1.0, 0))
	same := writeResultsFile(t, dir, "same.jsonl", synthetic(1.0, 0.5))
	slow := writeResultsFile(t, dir, "slow.jsonl", synthetic(0.8, 0.5))

	r := zh(t, dir, 20*time.Second, "compare", base, same)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "0 regressions") {
		t.Errorf("A/A:\n%s", r)
	}
	r = zh(t, dir, 20*time.Second, "compare", base, slow)
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "-20.0%") || !strings.Contains(r.stderr, "regression") {
		t.Errorf("the regression is not shown:\n%s", r)
	}
	if n := len(regexp.MustCompile(`(?m)^\d+ rows, `).FindAllString(r.stdout, -1)); n != 1 {
		t.Errorf("the summary line is printed %d times:\n%s", n, r.stdout)
	}
	// A looser threshold than the drop lets it through; markdown works.
	r = zh(t, dir, 20*time.Second, "compare", "--threshold", "0.25", "--markdown", base, slow)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "|") {
		t.Errorf("--markdown prints no table:\n%s", r)
	}
}

// synthetic returns perf records for two throughput points with 8 samples
// each: base values spread by 1 %, scaled by factor, shifted by offset
// steps between the base samples (so A/A sides interleave, not coincide).
func synthetic(factor, offset float64) *reports.Results {
	res := &reports.Results{Header: reports.Header{Schema: reports.Schema, Version: reports.SchemaVersion,
		Meta: reports.Meta{Started: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}}
	for _, size := range []int{64, 1024} {
		for i := 0; i < 8; i++ {
			v := 1e6 * (1 + 0.01*(float64(i)+offset)/8) * factor
			res.Records = append(res.Records, &reports.Record{
				Type: reports.RecordPerf, Case: "throughput", Subject: "libzmq", Peer: "libzmq", Transport: "tcp",
				Perf: &reports.Perf{Workload: "throughput", Size: size, Count: 100000, Repeat: i, Mode: "harness",
					Topology: "two-process", MsgsPerSec: v, Elapsed: time.Duration(1e5 / v * 1e9)},
			})
		}
	}
	return res
}

func writeResultsFile(t *testing.T, dir, name string, res *reports.Results) string {
	t.Helper()
	p := filepath.Join(dir, name)
	w, err := reports.Create(p, res.Header.Meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRun is the default job on a small selection: conformance (one spec,
// isolated), the tiny benchmarks, the report.
func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wl := tinyWorkloadsDir(t, dir)
	r := zh(t, dir, 60*time.Second, "run", "--case", oneSpec, "--pair", "libzmq:libzmq", "--transport", "tcp",
		"--bench-workloads-file", wl, "--results-dir", "res", "--report-dir", "rep", "--junit", "junit.xml", "--quiet")
	wantCode(t, r, 0)
	res := readResults(t, filepath.Join(dir, "res", "results.jsonl"))
	if len(res.Conformance()) != 1 || len(res.Perf()) != 12 {
		t.Errorf("want 1 conformance and 12 perf records, got %d and %d", len(res.Conformance()), len(res.Perf()))
	}
	if _, err := os.Stat(filepath.Join(dir, "rep", "index.html")); err != nil {
		t.Error(err)
	}
	readJUnit(t, filepath.Join(dir, "junit.xml"))
}

// TestBenchAgainst runs an interleaved A/A comparison of the tiny
// workloads (two rounds: too few samples to test, so nothing can be
// flagged) and checks both sides' files and the usage errors.
func TestBenchAgainst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	wl := tinyWorkloadsDir(t, dir)
	r := zh(t, dir, 120*time.Second, "bench", "--against", "self", "--quick", "--workloads-file", wl, "--repeats", "1", "--rounds", "2", "--results-dir", "ab", "--quiet")
	wantCode(t, r, 0)
	for _, f := range []string{"base.jsonl", "results.jsonl"} {
		perf := readResults(t, filepath.Join(dir, "ab", f)).Perf()
		if len(perf) != 4 { // 2 workloads × 2 rounds
			t.Fatalf("%s: want 4 perf records, got %d", f, len(perf))
		}
		rounds := map[int]bool{}
		for _, p := range perf {
			rounds[p.Perf.Repeat] = true
		}
		if !rounds[0] || !rounds[1] {
			t.Errorf("%s: rounds %v, want 0 and 1 as the repeat numbers", f, rounds)
		}
	}
	if !strings.Contains(r.stdout, "n=2+2 < 6") || !strings.Contains(r.stdout, "0 regressions") {
		t.Errorf("comparison output:\n%s", r.stdout)
	}
	bad := zh(t, dir, 20*time.Second, "bench", "--against", filepath.Join(dir, "no-such-zharness"), "--quick", "--workloads-file", wl)
	wantCode(t, bad, 2)
	bad = zh(t, dir, 20*time.Second, "bench", "--against", "self", "--driver", "libzmq", "--against-driver", "gozmq", "--against-driver", "libzmq", "--quick", "--workloads-file", wl)
	wantCode(t, bad, 2)
	if !strings.Contains(bad.stderr, "one per --driver") {
		t.Errorf("mismatched --against-driver: %s", bad.stderr)
	}
}
