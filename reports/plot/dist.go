package plot

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zharness/zharness/reports"
)

// percentileTicks label the x axis of a distribution plot, where x is
// 1/(1-p): each extra nine of the percentile is one decade further right.
var percentileTicks = fixedTicks{
	{Value: 1, Label: "0%"}, {Value: 2, Label: "50%"}, {Value: 10, Label: "90%"},
	{Value: 100, Label: "99%"}, {Value: 1000, Label: "99.9%"}, {Value: 1e4, Label: "99.99%"},
	{Value: 1e5, Label: "99.999%"}, {Value: 1e6, Label: "99.9999%"},
}

// distFigures draws one HDR-style percentile distribution per message size,
// a line per series. Of a point's repeats, the one with the median p50 is
// drawn: overlaying all repeats would hide the shapes being compared.
func distFigures(perf []*reports.Record) []figure {
	pal := newPalette(perf)
	bySize := map[int]map[series][]*reports.Perf{}
	for _, r := range perf {
		if r.Perf.Workload != "latency" || len(r.Perf.LatDist) == 0 || r.Perf.Error != "" {
			continue
		}
		s := seriesOf(r)
		if bySize[r.Perf.Size] == nil {
			bySize[r.Perf.Size] = map[series][]*reports.Perf{}
		}
		bySize[r.Perf.Size][s] = append(bySize[r.Perf.Size][s], r.Perf)
	}
	var figs []figure
	for _, size := range slices.Sorted(maps.Keys(bySize)) {
		data := bySize[size]
		figs = append(figs, figure{
			name: fmt.Sprintf("latency-dist-%dB", size), w: 9 * vg.Inch, h: 4.8 * vg.Inch,
			draw: func(dc draw.Canvas) { drawDist(dc, size, data, pal) },
		})
	}
	return figs
}

func drawDist(dc draw.Canvas, size int, data map[series][]*reports.Perf, pal palette) {
	p := newPlot(fmt.Sprintf("One-way latency by percentile, %s messages", sizeLabel(size)))
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (µs)"
	p.Add(plotter.NewGrid())
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	dropped := 0
	leg := newLegend()
	for _, s := range sortedSeries(data) {
		reps := slices.Clone(data[s])
		slices.SortFunc(reps, func(a, b *reports.Perf) int { return cmp.Compare(a.LatP50, b.LatP50) })
		rep := reps[(len(reps)-1)/2]
		var xys plotter.XYs
		for _, pv := range rep.LatDist {
			pct, ns := pv[0], pv[1]
			if pct >= 100 || pct < 0 {
				continue // 100 % is x = ∞: the max is in the table instead
			}
			if !(ns > 0) || math.IsInf(ns, 0) {
				dropped++
				continue
			}
			xys = append(xys, plotter.XY{X: 1 / (1 - pct/100), Y: ns / 1e3})
		}
		ls, gs := pal.style(s)
		leg.add(s.label(), &plotter.Line{LineStyle: ls}, &plotter.Scatter{GlyphStyle: gs})
		if len(xys) == 0 {
			continue
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		for _, xy := range xys {
			xlo, xhi = min(xlo, xy.X), max(xhi, xy.X)
			ylo, yhi = min(ylo, xy.Y), max(yhi, xy.Y)
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			continue
		}
		line.LineStyle = ls
		sc, _ := plotter.NewScatter(xys)
		sc.GlyphStyle = gs
		p.Add(line, sc)
	}
	setLogRange(&p.X, xlo, xhi)
	if p.X.Min < 1 {
		p.X.Min = 0.9 // x = 1 is the 0th percentile; nothing lies left of it
	}
	setLogRange(&p.Y, ylo, yhi)
	p.X.Tick.Marker = percentileTicks
	p.Y.Tick.Marker = logTicks{plain}
	note(leg, "percentiles", dropped)
	withLegend(dc, leg, p)
}
