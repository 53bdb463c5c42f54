// Package compare tells whether a run's performance differs from a
// baseline's, point by point, without crying wolf: a change counts only if
// a Mann-Whitney U test (golang.org/x/perf/benchmath) rejects "same
// distribution" after a Holm correction across all points, with at least
// MinSamples samples per side, and a regression additionally needs the
// medians to differ by more than Threshold in the bad direction
// (decisions.md, ruling 14).
//
// Power depends on the number of points: the smallest two-sided
// Mann-Whitney p-value with 6 samples per side is about 0.0022, so after
// Holm over m points nothing can be significant once m > 22. A sweep of
// ~90 points needs about 10 samples per side (smallest p ≈ 1.1e-5) to
// detect a clean 10 % shift.
package compare

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"

	"github.com/zharness/zharness/reports"
)

// Options tune a comparison; zero fields take the defaults.
type Options struct {
	Alpha      float64 // family-wise significance level; default 0.05
	Threshold  float64 // relative change a regression must exceed; default 0.05 (5 %)
	MinSamples int     // samples per side needed to test at all; default 6
	// Match pairs a driver name of the new run with the baseline's name
	// for the same implementation, when the two differ (a wrapped or
	// renamed driver, e.g. "faulty:spin=300ns/gozmq" → "gozmq").
	Match map[string]string
	// Paired tests round i of new against round i of base (Perf.Repeat),
	// for runs measured in interleaved rounds (paired.go): Wilcoxon
	// signed-rank on the per-round ratios, change = their median.
	Paired bool
}

func (o Options) withDefaults() Options {
	if o.Alpha <= 0 {
		o.Alpha = 0.05
	}
	if o.Threshold <= 0 {
		o.Threshold = 0.05
	}
	if o.MinSamples <= 0 {
		o.MinSamples = 6
	}
	return o
}

// Metric is a compared quantity of a perf point.
type Metric struct {
	Unit         string // as in benchmark output: msgs/s, p50-ns, ...
	HigherBetter bool
	value        func(*reports.Perf) float64
}

// Metrics are the quantities compared: throughput in messages per second,
// and latency p50 and p99. MB/s is left out because at a fixed size it is
// msgs/s times a constant; testing it too would only spend the Holm budget
// twice on one fact.
var Metrics = []Metric{
	{Unit: "msgs/s", HigherBetter: true, value: func(p *reports.Perf) float64 { return p.MsgsPerSec }},
	{Unit: "p50-ns", value: func(p *reports.Perf) float64 { return float64(p.LatP50) }},
	{Unit: "p99-ns", value: func(p *reports.Perf) float64 { return float64(p.LatP99) }},
}

// Point identifies a benchmark point across runs.
type Point struct {
	Workload  string
	Variant   string // what tells apart workloads of one kind: the pattern of a latency run (reqrep, pair), the subscribers of a fan-out
	Driver    string
	Peer      string
	Transport string
	Mode      string // harness, native, bare, raw
	Topology  string // two-process, same-process
	Size      int
	// Security is the mechanism ("plain", "curve"); empty for NULL. A
	// secure point and its NULL twin are different points, never pooled.
	Security string
}

// String is "workload driver[:peer] transport [mode] [topology] [sec=M]
// sizeB".
func (p Point) String() string {
	d := p.Driver
	if p.Peer != "" && p.Peer != p.Driver {
		d += ":" + p.Peer
	}
	w := p.Workload
	if p.Variant != "" {
		w += "/" + p.Variant
	}
	s := fmt.Sprintf("%s %s %s", w, d, p.Transport)
	for _, x := range []string{p.Mode, p.Topology} {
		if x != "" {
			s += " " + x
		}
	}
	if p.Security != "" {
		s += " sec=" + p.Security
	}
	return fmt.Sprintf("%s %dB", s, p.Size)
}

// pointOf names a record's point. A peer equal to the driver is dropped,
// as benchmark names drop it, so results files and benchfmt text agree.
func pointOf(r *reports.Record) Point {
	peer := r.Peer
	if peer == r.Subject {
		peer = ""
	}
	return Point{Workload: r.Perf.Workload, Variant: variant(r), Driver: r.Subject, Peer: peer, Transport: r.Transport,
		Mode: r.Perf.Mode, Topology: r.Perf.Topology, Size: r.Perf.Size, Security: r.Perf.Security}
}

// variant is the part of a benchmark's name (suites/perf.BenchName) that
// tells apart workloads of one kind, so that REQ/REP and PAIR latency
// are not pooled into one sample.
func variant(r *reports.Record) string {
	switch r.Perf.Workload {
	case "latency":
		return r.Pattern
	case "fanout":
		return fmt.Sprintf("subs=%d", r.Perf.Subscribers)
	}
	return ""
}

// Row is the comparison of one metric at one point.
type Row struct {
	Point  Point
	Metric Metric

	BaseN, NewN           int
	BaseCenter, NewCenter float64 // medians
	Change                float64 // (new - base) / base; NaN when unknown; paired: median ratio - 1
	Pairs                 int     // paired: rounds measured on both sides

	Tested      bool    // both sides had MinSamples samples and the test ran
	P           float64 // Mann-Whitney U p-value, uncorrected
	PAdj        float64 // Holm-adjusted p-value
	Significant bool    // PAdj < Alpha
	Regression  bool    // Significant and worse by more than Threshold
	Improvement bool    // Significant and better by more than Threshold
	Note        string  // why a row was not tested
}

// Delta is the change as benchstat prints it: "~" when not significant,
// otherwise a signed percentage; "?" with the reason when untested.
func (r Row) Delta() string {
	switch {
	case !r.Tested:
		return "? (" + r.Note + ")"
	case !r.Significant:
		return "~"
	}
	return fmt.Sprintf("%+.1f%%", 100*r.Change)
}

// Comparison is the result of Compare.
type Comparison struct {
	Options Options // as applied, defaults filled in
	Rows    []Row
	Tested  int // rows that entered the Holm correction
}

// Regressions returns the rows flagged as regressions.
func (c *Comparison) Regressions() []Row {
	var out []Row
	for _, r := range c.Rows {
		if r.Regression {
			out = append(out, r)
		}
	}
	return out
}

// ErrNoData reports a side without any usable perf sample.
var ErrNoData = errors.New("compare: no perf samples")

// Compare compares the perf records of new against those of base. Each
// record is one sample (one repeat) of its point; failed points and zero
// values are not samples.
func Compare(base, new []*reports.Record, opts Options) (*Comparison, error) {
	opts = opts.withDefaults()
	bs, ns := samples(base), samples(renamed(new, opts.Match))
	if len(bs) == 0 {
		return nil, fmt.Errorf("%w in the baseline", ErrNoData)
	}
	if len(ns) == 0 {
		return nil, fmt.Errorf("%w in the new run", ErrNoData)
	}
	keys := map[key]bool{}
	for k := range bs {
		keys[k] = true
	}
	for k := range ns {
		keys[k] = true
	}
	c := &Comparison{Options: opts}
	thr := &benchmath.Thresholds{CompareAlpha: opts.Alpha}
	var bp, np map[key]map[int]float64
	if opts.Paired {
		bp, np = pairedSamples(base), pairedSamples(renamed(new, opts.Match))
	}
	for k := range keys {
		b, n := bs[k], ns[k]
		row := Row{Point: k.point, Metric: Metrics[k.metric], BaseN: len(b), NewN: len(n), Change: math.NaN()}
		var sb, sn *benchmath.Sample
		if len(b) > 0 {
			sb = benchmath.NewSample(b, thr)
			row.BaseCenter = benchmath.AssumeNothing.Summary(sb, 0.95).Center
		}
		if len(n) > 0 {
			sn = benchmath.NewSample(n, thr)
			row.NewCenter = benchmath.AssumeNothing.Summary(sn, 0.95).Center
		}
		if sb != nil && sn != nil && row.BaseCenter != 0 {
			row.Change = (row.NewCenter - row.BaseCenter) / row.BaseCenter
		}
		switch {
		case len(b) == 0:
			row.Note = "only in new"
		case len(n) == 0:
			row.Note = "only in base"
		case len(b) < opts.MinSamples || len(n) < opts.MinSamples:
			row.Note = fmt.Sprintf("n=%d+%d < %d", len(b), len(n), opts.MinSamples)
		case opts.Paired:
			d := logRatios(bp[k], np[k])
			row.Pairs = len(d)
			if len(d) < opts.MinSamples {
				row.Note = fmt.Sprintf("%d paired rounds < %d", len(d), opts.MinSamples)
				break
			}
			row.Tested = true
			row.P = signedRankP(d)
			row.Change = medianRatio(d) - 1
		default:
			row.Tested = true
			row.P = benchmath.AssumeNothing.Compare(sb, sn).P
		}
		c.Rows = append(c.Rows, row)
	}
	c.holm()
	for i := range c.Rows {
		r := &c.Rows[i]
		if !r.Significant {
			continue
		}
		worse := r.Change
		if r.Metric.HigherBetter {
			worse = -worse
		}
		r.Regression = worse > opts.Threshold
		r.Improvement = -worse > opts.Threshold
	}
	slices.SortFunc(c.Rows, func(a, b Row) int {
		pa, pb := a.Point, b.Point
		return cmp.Or(cmp.Compare(pa.Workload, pb.Workload), cmp.Compare(pa.Variant, pb.Variant), cmp.Compare(pa.Driver, pb.Driver),
			cmp.Compare(pa.Peer, pb.Peer), cmp.Compare(pa.Transport, pb.Transport),
			cmp.Compare(pa.Mode, pb.Mode), cmp.Compare(pa.Topology, pb.Topology), cmp.Compare(pa.Security, pb.Security),
			cmp.Compare(pa.Size, pb.Size),
			cmp.Compare(a.Metric.Unit, b.Metric.Unit))
	})
	return c, nil
}

// holm applies the Holm–Bonferroni step-down correction to the tested
// rows: with m tests sorted by p, the i-th smallest (from 0) is adjusted to
// max over j ≤ i of (m-j)·p_j, capped at 1. It controls the chance of any
// false alarm across all points at Alpha, without Bonferroni's loss of
// power on the points that clearly changed.
func (c *Comparison) holm() {
	var idx []int
	for i, r := range c.Rows {
		if r.Tested {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(c.Rows[a].P, c.Rows[b].P) })
	m := len(idx)
	c.Tested = m
	run := 0.0
	for j, i := range idx {
		adj := math.Min(1, float64(m-j)*c.Rows[i].P)
		run = math.Max(run, adj)
		c.Rows[i].PAdj = run
		c.Rows[i].Significant = run < c.Options.Alpha
	}
}

type key struct {
	point  Point
	metric int // index in Metrics
}

// renamed returns recs with subject and peer names mapped by match
// (copies; the caller's records are not touched).
func renamed(recs []*reports.Record, match map[string]string) []*reports.Record {
	if len(match) == 0 {
		return recs
	}
	out := make([]*reports.Record, len(recs))
	for i, r := range recs {
		c := *r
		if to, ok := match[c.Subject]; ok {
			c.Subject = to
		}
		if to, ok := match[c.Peer]; ok {
			c.Peer = to
		}
		out[i] = &c
	}
	return out
}

// samples groups the positive metric values of records by point.
func samples(recs []*reports.Record) map[key][]float64 {
	out := map[key][]float64{}
	for _, r := range recs {
		if r.Type != reports.RecordPerf || r.Perf == nil || r.Perf.Error != "" {
			continue
		}
		for i, m := range Metrics {
			if v := m.value(r.Perf); v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
				k := key{pointOf(r), i}
				out[k] = append(out[k], v)
			}
		}
	}
	return out
}

// Summary is one line: how many points were tested and what was found.
func (c *Comparison) Summary() string {
	var reg, imp, sig int
	for _, r := range c.Rows {
		if r.Significant {
			sig++
		}
		if r.Regression {
			reg++
		}
		if r.Improvement {
			imp++
		}
	}
	var b strings.Builder
	test := fmt.Sprintf("Mann-Whitney U, Holm-corrected, alpha %.2g, n ≥ %d per side", c.Options.Alpha, c.Options.MinSamples)
	if c.Options.Paired {
		test = fmt.Sprintf("Wilcoxon signed-rank on interleaved rounds, Holm-corrected, alpha %.2g, ≥ %d pairs", c.Options.Alpha, c.Options.MinSamples)
	}
	fmt.Fprintf(&b, "%d rows, %d tested (%s): %d significant, %d regressions beyond %.0f%%, %d improvements",
		len(c.Rows), c.Tested, test, sig, reg, 100*c.Options.Threshold, imp)
	return b.String()
}
