package plot

import (
	"cmp"
	"image/color"
	"maps"
	"math"
	"slices"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zharness/zharness/reports"
)

// securityFigures draws the cost of encryption: for every series measured
// under a security mechanism, its median throughput and p50 latency at
// each size divided by the median of the same series under NULL at that
// size. suites/perf measures a point's mechanisms in alternation, so the
// ratio compares runs made under the same machine load. Only results with
// a secure point get the figure.
func securityFigures(perf []*reports.Record) []figure {
	if !slices.ContainsFunc(perf, func(r *reports.Record) bool {
		return r.Perf.Security != "" && r.Verdict != reports.NotApplicable
	}) {
		return nil
	}
	pal := newPalette(perf)
	msgs, _ := collect(perf, "throughput", func(p *reports.Perf) float64 { return p.MsgsPerSec })
	p50, _ := collect(perf, "latency", func(p *reports.Perf) float64 { return float64(p.LatP50) })
	thr, d1 := ratios(msgs)
	lat, d2 := ratios(p50)
	return []figure{{
		name: "security-cost", w: 11 * vg.Inch, h: 4.8 * vg.Inch,
		draw: func(dc draw.Canvas) {
			a := ratioPanel("Throughput under security vs NULL", "throughput relative to NULL", thr, pal)
			b := ratioPanel("Latency p50 under security vs NULL", "p50 latency relative to NULL", lat, pal)
			leg := seriesLegend(pal, thr, lat)
			note(leg, "throughput ratio", d1)
			note(leg, "latency ratio", d2)
			withLegend(dc, leg, a, b)
		},
	}}
}

// ratios divides each secure series' median at a size by its NULL twin's
// median at the same size. A secure series is kept (for the legend) even
// when no size has both; the count of secure sizes without a ratio is
// returned for the figure's note.
func ratios(data map[series]points) (map[series]points, int) {
	out := map[series]points{}
	dropped := 0
	for s, pts := range data {
		if s.security == "" {
			continue
		}
		out[s] = points{}
		base := s
		base.security = ""
		for size, vs := range pts {
			bv := data[base][size]
			if len(vs) == 0 || len(bv) == 0 {
				dropped++
				continue
			}
			r := median(vs) / median(bv)
			if !(r > 0) || math.IsInf(r, 0) {
				dropped++
				continue
			}
			out[s][size] = []float64{r}
		}
	}
	return out, dropped
}

// ratioPanel plots ratios against message size: log x, linear y from 0 so
// that a small difference does not look large, and a dashed line at 1 (no
// cost).
func ratioPanel(title, ylabel string, data map[series]points, pal palette) *gplot.Plot {
	p := newPlot(title)
	p.X.Label.Text = "message size"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	xlo, xhi, yhi := math.Inf(1), math.Inf(-1), 1.0
	sizes := map[int]bool{}
	for _, s := range sortedSeries(data) {
		var xys plotter.XYs
		for size, vs := range data[s] {
			if size <= 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: float64(size), Y: vs[0]})
			sizes[size] = true
			xlo, xhi, yhi = min(xlo, float64(size)), max(xhi, float64(size)), max(yhi, vs[0])
		}
		if len(xys) == 0 {
			continue
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		ls, gs := pal.style(s)
		line, err := plotter.NewLine(xys)
		if err != nil {
			continue // ratios are finite and positive: unreachable
		}
		line.LineStyle = ls
		sc, _ := plotter.NewScatter(xys)
		sc.GlyphStyle = gs
		p.Add(line, sc)
	}
	setLogRange(&p.X, xlo, xhi)
	p.Y.Min, p.Y.Max = 0, yhi*1.1
	p.Y.Tick.Marker = linearTicks{}
	one, _ := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: 1}, {X: p.X.Max, Y: 1}})
	one.LineStyle = draw.LineStyle{Color: color.Gray{Y: 120}, Width: vg.Points(1),
		Dashes: []vg.Length{vg.Points(2), vg.Points(3)}}
	p.Add(one)
	var ticks fixedTicks
	for _, size := range slices.Sorted(maps.Keys(sizes)) {
		ticks = append(ticks, gplot.Tick{Value: float64(size), Label: sizeLabel(size)})
	}
	p.X.Tick.Marker = ticks
	if len(ticks) == 0 {
		p.X.Tick.Marker = logTicks{plain}
		p.Title.Text += ": no data"
	}
	return p
}

// linearTicks labels a linear axis at a round step (0.1, 0.2, 0.25, 0.5,
// 1, 2, 5 … times a power of ten) that gives about five labels; gonum's
// default labels only two or three on a short ratio axis.
type linearTicks struct{}

// Ticks implements gplot.Ticker.
func (linearTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/5)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if step = m * mag; (hi-lo)/step <= 6 {
			break
		}
	}
	var ticks []gplot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+step*1e-9; k++ {
		// 'g' with 6 digits hides float noise such as 0.6000000000000001.
		ticks = append(ticks, gplot.Tick{Value: k * step, Label: strconv.FormatFloat(k*step, 'g', 6, 64)})
	}
	return ticks
}
