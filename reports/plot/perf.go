package plot

import (
	"cmp"
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zharness/zharness/reports"
)

// series is one line on a perf figure: a driver (and peer) over a
// transport in one measuring mode, under one security mechanism ("" for
// NULL).
type series struct {
	driver, peer, transport, mode, topology, security string
}

func seriesOf(r *reports.Record) series {
	return series{r.Subject, r.Peer, r.Transport, r.Perf.Mode, r.Perf.Topology, r.Perf.Security}
}

// reference says whether the series is a reference measurement (libzmq's
// native C programs, a bare go-zeromq loop, raw sockets; see suites/perf),
// drawn dashed so the eye reads it as a yardstick.
func (s series) reference() bool {
	return s.mode == "native" || s.mode == "bare" || s.mode == "raw"
}

func (s series) label() string {
	l := s.driver
	if s.peer != "" && s.peer != s.driver {
		l += ":" + s.peer
	}
	l += " " + s.transport
	var extra []string
	if s.mode != "" && s.mode != "harness" && s.mode != s.driver {
		extra = append(extra, s.mode)
	}
	if s.topology == "same-process" {
		extra = append(extra, s.topology)
	}
	if s.security != "" {
		extra = append(extra, strings.ToUpper(s.security))
	}
	if len(extra) > 0 {
		l += " (" + strings.Join(extra, ", ") + ")"
	}
	return l
}

func compareSeries(a, b series) int {
	return cmp.Or(cmp.Compare(a.driver, b.driver), cmp.Compare(a.peer, b.peer),
		cmp.Compare(a.transport, b.transport), cmp.Compare(a.mode, b.mode), cmp.Compare(a.topology, b.topology),
		cmp.Compare(a.security, b.security))
}

// palette gives every series the same colour and glyph on every figure.
type palette map[series]int

func newPalette(perf []*reports.Record) palette {
	var all []series
	for _, r := range perf {
		all = append(all, seriesOf(r))
	}
	slices.SortFunc(all, compareSeries)
	all = slices.Compact(all)
	p := palette{}
	for i, s := range all {
		p[s] = i
	}
	return p
}

// seriesColors are twelve colours far enough apart to tell series of five
// implementations and their references apart (plotutil.DarkColors has
// seven, so a run with agents repeated them); Tableau's 10 plus two.
var seriesColors = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, color.RGBA{0xbc, 0xbd, 0x22, 0xff},
	color.RGBA{0x17, 0xbe, 0xcf, 0xff}, color.RGBA{0x00, 0x00, 0x80, 0xff}, color.RGBA{0x80, 0x00, 0x00, 0xff},
}

func (p palette) style(s series) (draw.LineStyle, draw.GlyphStyle) {
	i := p[s]
	ls := draw.LineStyle{Color: seriesColors[i%len(seriesColors)], Width: vg.Points(1.5)}
	if s.reference() {
		ls.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	gs := draw.GlyphStyle{Color: ls.Color, Radius: vg.Points(2.5), Shape: plotutil.Shape(i)}
	return ls, gs
}

// points are one series' values by message size.
type points map[int][]float64

// collect groups the values of a workload's records by series and size.
// Values that a log axis cannot show (failed points, zero, NaN) are
// counted as dropped instead.
func collect(perf []*reports.Record, workload string, value func(*reports.Perf) float64) (map[series]points, int) {
	out := map[series]points{}
	dropped := 0
	for _, r := range perf {
		if r.Perf.Workload != workload || r.Verdict == reports.NotApplicable {
			continue // a skipped point has nothing to draw
		}
		s := seriesOf(r)
		v := value(r.Perf)
		if r.Perf.Error != "" || !(v > 0) || math.IsInf(v, 0) {
			dropped++
			if out[s] == nil {
				out[s] = points{} // keep the series in the legend
			}
			continue
		}
		if out[s] == nil {
			out[s] = points{}
		}
		out[s][r.Perf.Size] = append(out[s][r.Perf.Size], v)
	}
	return out, dropped
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// panel is one log-log plot of a metric against message size, medians of
// the repeats joined by lines. It returns the number of values dropped
// (dropped plus those without a drawable size) for the legend's note:
// a second title line would unbalance side-by-side panels.
func panel(title, ylabel string, data map[series]points, pal palette, scale float64, yfmt func(float64) string, dropped int) (*gplot.Plot, int) {
	p := newPlot(title)
	p.X.Label.Text = "message size"
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	xlo, xhi, ylo, yhi := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	sizes := map[int]bool{}
	for _, s := range sortedSeries(data) {
		var xys plotter.XYs
		for size, vs := range data[s] {
			if size <= 0 {
				dropped += len(vs)
				continue
			}
			xys = append(xys, plotter.XY{X: float64(size), Y: median(vs) * scale})
			sizes[size] = true
		}
		if len(xys) == 0 {
			continue
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return cmp.Compare(a.X, b.X) })
		for _, xy := range xys {
			xlo, xhi = min(xlo, xy.X), max(xhi, xy.X)
			ylo, yhi = min(ylo, xy.Y), max(yhi, xy.Y)
		}
		ls, gs := pal.style(s)
		line, err := plotter.NewLine(xys)
		if err != nil {
			continue // NaN or Inf: excluded above, so unreachable
		}
		line.LineStyle = ls
		sc, _ := plotter.NewScatter(xys)
		sc.GlyphStyle = gs
		p.Add(line, sc)
	}
	setLogRange(&p.X, xlo, xhi)
	setLogRange(&p.Y, ylo, yhi)
	var ticks fixedTicks
	for _, size := range slices.Sorted(maps.Keys(sizes)) {
		ticks = append(ticks, gplot.Tick{Value: float64(size), Label: sizeLabel(size)})
	}
	p.X.Tick.Marker = ticks
	if len(ticks) == 0 {
		p.X.Tick.Marker = logTicks{plain}
	}
	p.Y.Tick.Marker = logTicks{yfmt}
	if len(sizes) == 0 {
		p.Title.Text += ": no data"
	}
	return p, dropped
}

// note adds a text-only legend entry saying how many values a panel could
// not draw on its log axes.
func note(leg *legend, what string, dropped int) {
	if dropped > 0 {
		leg.add(fmt.Sprintf("%s: %d failed, zero or missing", what, dropped))
		leg.add("value(s) not drawn")
	}
}

func sortedSeries[V any](m map[series]V) []series {
	var out []series
	for s := range m {
		out = append(out, s)
	}
	slices.SortFunc(out, compareSeries)
	return out
}

// seriesLegend lists the series of data in the right column.
func seriesLegend(pal palette, data ...map[series]points) *legend {
	all := map[series]bool{}
	for _, d := range data {
		for s := range d {
			all[s] = true
		}
	}
	leg := newLegend()
	for _, s := range sortedSeries(all) {
		ls, gs := pal.style(s)
		line := &plotter.Line{LineStyle: ls}
		sc := &plotter.Scatter{GlyphStyle: gs}
		leg.add(s.label(), line, sc)
	}
	return leg
}

func throughputFigures(perf []*reports.Record) []figure {
	pal := newPalette(perf)
	msgs, d1 := collect(perf, "throughput", func(p *reports.Perf) float64 { return p.MsgsPerSec })
	mbs, d2 := collect(perf, "throughput", func(p *reports.Perf) float64 { return p.MBPerSec })
	if len(msgs) == 0 {
		return nil
	}
	return []figure{{
		name: "throughput", w: 11 * vg.Inch, h: 4.8 * vg.Inch,
		draw: func(dc draw.Canvas) {
			a, n1 := panel("Throughput: messages (median of repeats)", "messages per second", msgs, pal, 1, si, d1)
			b, n2 := panel("Throughput: bytes (median of repeats)", "MB/s (10⁶ bytes per second)", mbs, pal, 1, si, d2)
			leg := seriesLegend(pal, msgs, mbs)
			note(leg, "msgs/s", n1)
			note(leg, "MB/s", n2)
			withLegend(dc, leg, a, b)
		},
	}}
}

func latencyFigure(perf []*reports.Record) []figure {
	pal := newPalette(perf)
	p50, d1 := collect(perf, "latency", func(p *reports.Perf) float64 { return float64(p.LatP50) })
	p99, d2 := collect(perf, "latency", func(p *reports.Perf) float64 { return float64(p.LatP99) })
	if len(p50) == 0 {
		return nil
	}
	return []figure{{
		name: "latency", w: 11 * vg.Inch, h: 4.8 * vg.Inch,
		draw: func(dc draw.Canvas) {
			a, n1 := panel("One-way latency p50 (median of repeats)", "latency (µs)", p50, pal, 1e-3, plain, d1)
			b, n2 := panel("One-way latency p99 (median of repeats)", "latency (µs)", p99, pal, 1e-3, plain, d2)
			leg := seriesLegend(pal, p50, p99)
			note(leg, "p50", n1)
			note(leg, "p99", n2)
			withLegend(dc, leg, a, b)
		},
	}}
}
