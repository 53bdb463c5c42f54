package compare_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
	"github.com/zharness/zharness/reports/reportstest"
)

func run(seed uint64, n int, scale float64) []*reports.Record {
	return reportstest.PerfRecords(rand.New(rand.NewPCG(seed, 7)), n, scale)
}

func TestAAFlagsNothing(t *testing.T) {
	t.Parallel()
	for try := range 10 {
		c, err := compare.Compare(run(uint64(100+2*try), 10, 1), run(uint64(101+2*try), 10, 1), compare.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Tested < 60 {
			t.Fatalf("try %d: only %d rows tested", try, c.Tested)
		}
		for _, r := range c.Rows {
			if r.Regression || r.Improvement {
				t.Errorf("try %d: A/A flagged %s %s: %s %s", try, r.Point, r.Metric.Unit, r.Delta(), r.PString())
			}
			if r.Significant {
				// Holm allows this in 5 % of tries; the rate is measured
				// in TestAAFalsePositiveRate. The threshold keeps it from
				// becoming a regression.
				t.Logf("try %d: significant but within threshold: %s %s %s", try, r.Point, r.Metric.Unit, r.Delta())
			}
		}
	}
}

// TestAAFalsePositiveRate measures how often an A/A comparison finds any
// significant row: Holm keeps it at or below alpha.
func TestAAFalsePositiveRate(t *testing.T) {
	t.Parallel()
	const tries = 100
	anySig, anyReg := 0, 0
	for try := range tries {
		c, err := compare.Compare(run(uint64(1000+2*try), 10, 1), run(uint64(1001+2*try), 10, 1), compare.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sig := false
		for _, r := range c.Rows {
			sig = sig || r.Significant
		}
		if sig {
			anySig++
		}
		if len(c.Regressions()) > 0 {
			anyReg++
		}
	}
	t.Logf("A/A with 10 samples per side, %d tries: %d with a significant row (%.1f%%), %d with a regression", tries, anySig, 100*float64(anySig)/tries, anyReg)
	if float64(anySig)/tries > 0.08 || anyReg > 0 {
		t.Errorf("false alarms: %d/%d tries significant, %d with regressions", anySig, tries, anyReg)
	}
}

func TestTenPercentSlowdownFlagged(t *testing.T) {
	t.Parallel()
	c, err := compare.Compare(run(1, 10, 1), run(2, 10, 0.9), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	regs := c.Regressions()
	if len(regs) != c.Tested {
		for _, r := range c.Rows {
			if r.Tested && !r.Regression {
				t.Errorf("not flagged: %s %s %s %s", r.Point, r.Metric.Unit, r.Delta(), r.PString())
			}
		}
	}
	for _, r := range regs {
		if r.Improvement || r.Change*signOf(r.Metric) > -0.05 {
			t.Errorf("%s %s flagged with change %+.3f", r.Point, r.Metric.Unit, r.Change)
		}
	}
	var txt, md bytes.Buffer
	if err := c.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + txt.String())
	for _, out := range []string{txt.String(), md.String()} {
		if !strings.Contains(out, "REGRESSION") || !strings.Contains(out, "-10.") {
			t.Errorf("table does not show the regression:\n%s", out)
		}
	}
	if !strings.HasPrefix(md.String(), "| point | metric |") || !strings.Contains(md.String(), "\n|---|") {
		t.Errorf("not a markdown table:\n%.300s", md.String())
	}
}

// signOf is +1 when higher is better, so change*sign < 0 means worse.
func signOf(m compare.Metric) float64 {
	if m.HigherBetter {
		return 1
	}
	return -1
}

func TestFewSamplesNeverFlagged(t *testing.T) {
	t.Parallel()
	// Half the speed is obvious, but five samples cannot show it.
	c, err := compare.Compare(run(3, 5, 1), run(4, 5, 0.5), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Tested != 0 || len(c.Regressions()) != 0 {
		t.Fatalf("tested %d, regressions %d; want none with 5 samples", c.Tested, len(c.Regressions()))
	}
	for _, r := range c.Rows {
		if !strings.HasPrefix(r.Delta(), "? (n=5+5 < 6") {
			t.Errorf("%s: delta %q", r.Point, r.Delta())
		}
	}
}

func TestMissingSidesAndErrors(t *testing.T) {
	t.Parallel()
	base := run(5, 6, 1)
	var newer []*reports.Record
	for _, r := range run(6, 6, 1) {
		if r.Subject != "gozmq" {
			newer = append(newer, r)
		}
	}
	c, err := compare.Compare(base, newer, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	only := 0
	for _, r := range c.Rows {
		if r.Note == "only in base" {
			only++
			if r.Point.Driver != "gozmq" || r.Tested {
				t.Errorf("row %s marked only in base", r.Point)
			}
		}
	}
	if only == 0 {
		t.Error("no row marked only in base")
	}
	if _, err := compare.Compare(nil, base, compare.Options{}); !errors.Is(err, compare.ErrNoData) {
		t.Errorf("empty base: got %v", err)
	}
}

func TestReadBenchfmtRoundTrip(t *testing.T) {
	t.Parallel()
	res := reportstest.Results()
	var buf bytes.Buffer
	if err := reports.WriteBenchfmt(&buf, res); err != nil {
		t.Fatal(err)
	}
	recs, err := compare.ReadBenchfmt(&buf, "base.txt")
	if err != nil {
		t.Fatal(err)
	}
	direct, err := compare.Compare(res.Perf(), res.Perf(), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	viaText, err := compare.Compare(recs, res.Perf(), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(direct.Rows) != len(viaText.Rows) {
		t.Fatalf("rows: direct %d, via benchfmt %d", len(direct.Rows), len(viaText.Rows))
	}
	for i, r := range viaText.Rows {
		d := direct.Rows[i]
		if r.Point != d.Point || r.BaseN != d.BaseN || !near(r.BaseCenter, d.BaseCenter) || r.Significant {
			t.Errorf("row %d: via benchfmt %s n=%d %v, direct %s n=%d %v", i, r.Point, r.BaseN, r.BaseCenter, d.Point, d.BaseN, d.BaseCenter)
		}
	}
}

func near(a, b float64) bool { return a == b || (a-b)/b < 1e-9 && (b-a)/b < 1e-9 }

// TestMatchPairsRenamedDriver: a new run measured under another driver
// name is compared with the baseline's points once Match pairs the names,
// and not at all without it.
func TestMatchPairsRenamedDriver(t *testing.T) {
	t.Parallel()
	base, slow := run(3, 10, 1), run(4, 10, 0.9)
	for _, r := range slow {
		r.Subject = "faulty:spin=1us/" + r.Subject
		r.Peer = r.Subject
	}
	c, err := compare.Compare(base, slow, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Tested != 0 {
		t.Fatalf("without Match, %d rows were tested across different drivers", c.Tested)
	}
	match := map[string]string{}
	for _, r := range slow {
		match[r.Subject] = strings.TrimPrefix(r.Subject, "faulty:spin=1us/")
	}
	c, err = compare.Compare(base, slow, compare.Options{Match: match})
	if err != nil {
		t.Fatal(err)
	}
	if c.Tested == 0 || len(c.Regressions()) != c.Tested {
		t.Fatalf("with Match: %d tested, %d regressions; want every tested row flagged", c.Tested, len(c.Regressions()))
	}
	if slow[0].Subject == base[0].Subject {
		t.Fatal("Compare renamed the caller's records")
	}
}

// TestLatencyPatternsAreSeparatePoints: REQ/REP and PAIR latency at one
// size are two points, not one sample pooled from both.
func TestLatencyPatternsAreSeparatePoints(t *testing.T) {
	t.Parallel()
	var base, cur []*reports.Record
	for i := range 8 {
		for _, pat := range []string{"reqrep", "pair"} {
			for _, side := range []*[]*reports.Record{&base, &cur} {
				*side = append(*side, &reports.Record{Type: reports.RecordPerf, Subject: "gozmq", Peer: "gozmq", Transport: "tcp", Pattern: pat,
					Perf: &reports.Perf{Workload: "latency", Mode: "harness", Size: 64, Repeat: i, LatP50: int64(1000 + i), LatP99: int64(2000 + i), MsgsPerSec: float64(500 + i)}})
			}
		}
	}
	c, err := compare.Compare(base, cur, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	points := map[string]int{}
	for _, r := range c.Rows {
		points[r.Point.String()] = r.BaseN
	}
	if len(points) != 2 {
		t.Fatalf("points %v, want reqrep and pair apart", points)
	}
	for p, n := range points {
		if n != 8 {
			t.Errorf("%s: %d base samples, want 8", p, n)
		}
	}
}

// TestSignedRankExact checks the exact null distribution against values
// counted by hand and the test against textbook cases.
func TestSignedRankExact(t *testing.T) {
	t.Parallel()
	// n=10, all pairs one way: W = 0, P(W ≤ 0) = 1/1024, two-sided 2/1024.
	all := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}
	if p := compare.SignedRankP(all); math.Abs(p-2.0/1024) > 1e-12 {
		t.Errorf("all positive, n=10: p=%g, want %g", p, 2.0/1024)
	}
	// Symmetric differences: no evidence of a shift.
	sym := []float64{-0.3, -0.2, -0.1, 0.1, 0.2, 0.3}
	if p := compare.SignedRankP(sym); p < 0.9 {
		t.Errorf("symmetric: p=%g, want ≈1", p)
	}
	// n=6 with one small negative: W- = 1, P(W ≤ 1) = 2/64, two-sided 4/64.
	one := []float64{-0.05, 0.2, 0.3, 0.4, 0.5, 0.6}
	if p := compare.SignedRankP(one); math.Abs(p-4.0/64) > 1e-12 {
		t.Errorf("one negative: p=%g, want %g", p, 4.0/64)
	}
}

// TestPairedDriftCancels: rounds whose level drifts by ±30 % from round to
// round hide a 10 % slowdown from the unpaired test, but not from the
// paired one; an A/A run under the same drift is not flagged.
func TestPairedDriftCancels(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 9))
	var base, slow, same []*reports.Record
	for round := range 12 {
		level := 1 + 0.3*(2*rng.Float64()-1)
		for _, side := range []struct {
			recs  *[]*reports.Record
			scale float64
		}{{&base, 1}, {&slow, 0.9}, {&same, 1}} {
			v := 100000 * level * side.scale * (1 + 0.01*rng.NormFloat64())
			*side.recs = append(*side.recs, &reports.Record{Type: reports.RecordPerf, Subject: "gozmq", Peer: "gozmq", Transport: "tcp",
				Perf: &reports.Perf{Workload: "throughput", Mode: "harness", Size: 64, Repeat: round, MsgsPerSec: v}})
		}
	}
	unpaired, err := compare.Compare(base, slow, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paired, err := compare.Compare(base, slow, compare.Options{Paired: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(unpaired.Regressions()) != 0 {
		t.Logf("unpaired test found the slowdown through the drift too (fine, not expected)")
	}
	if len(paired.Regressions()) != 1 || math.Abs(paired.Regressions()[0].Change+0.1) > 0.02 {
		t.Fatalf("paired: %s; rows %+v", paired.Summary(), paired.Rows)
	}
	aa, err := compare.Compare(base, same, compare.Options{Paired: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(aa.Regressions()) != 0 || len(aa.Rows) == 0 || aa.Rows[0].Pairs != 12 {
		t.Fatalf("paired A/A: %s", aa.Summary())
	}
}
