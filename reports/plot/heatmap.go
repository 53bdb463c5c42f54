package plot

import (
	"cmp"
	"image/color"
	"math"
	"slices"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zharness/zharness/reports"
)

var white = color.White

// VerdictColors are the heat map colours; the HTML report uses the same.
var VerdictColors = map[reports.Verdict]color.RGBA{
	reports.Pass:          {0x43, 0xa0, 0x47, 0xff},
	reports.Fail:          {0xd3, 0x2f, 0x2f, 0xff},
	reports.NonStrict:     {0xf5, 0x7c, 0x00, 0xff},
	reports.Informational: {0x1e, 0x88, 0xe5, 0xff},
	reports.Unimplemented: {0x9e, 0x9e, 0x9e, 0xff},
	reports.NotApplicable: {0xe0, 0xe0, 0xe0, 0xff},
}

// missingColor marks a cell with no record (an interrupted run).
var missingColor = color.RGBA{0xff, 0xff, 0xff, 0xff}

// heat is a categorical grid plotter: one coloured square per cell.
type heat struct {
	cells [][]*reports.Verdict // [row][col]; nil = no record
}

// Plot implements gplot.Plotter.
func (h heat) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	rows := len(h.cells)
	edge := draw.LineStyle{Color: color.White, Width: vg.Points(1)}
	for i, row := range h.cells {
		y := float64(rows - 1 - i) // first case at the top
		for j, v := range row {
			clr := color.Color(missingColor)
			if v != nil {
				clr = VerdictColors[*v]
			}
			x := float64(j)
			pts := []vg.Point{
				{X: trX(x - 0.5), Y: trY(y - 0.5)}, {X: trX(x + 0.5), Y: trY(y - 0.5)},
				{X: trX(x + 0.5), Y: trY(y + 0.5)}, {X: trX(x - 0.5), Y: trY(y + 0.5)},
			}
			c.FillPolygon(clr, pts)
			c.StrokeLines(edge, append(pts, pts[0]))
		}
	}
}

// DataRange implements gplot.DataRanger.
func (h heat) DataRange() (xmin, xmax, ymin, ymax float64) {
	cols := 0
	if len(h.cells) > 0 {
		cols = len(h.cells[0])
	}
	return -0.5, float64(cols) - 0.5, -0.5, float64(len(h.cells)) - 0.5
}

// swatch is a legend thumbnail filled with one colour.
type swatch struct{ clr color.Color }

// Thumbnail implements gplot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pts := []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
	c.FillPolygon(s.clr, pts)
	c.StrokeLines(draw.LineStyle{Color: color.Gray{0x80}, Width: vg.Points(0.5)}, append(pts, pts[0]))
}

// caseRows returns the case ids grouped by pattern (then id), the order
// of the heat map rows and of the HTML matrix.
func caseRows(conf []*reports.Record) []string {
	pattern := map[string]string{}
	for _, r := range conf {
		pattern[r.Case] = r.Pattern
	}
	var ids []string
	for id := range pattern {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(pattern[a], pattern[b]), cmp.Compare(a, b))
	})
	return ids
}

func heatFigure(res *reports.Results) figure {
	conf := res.Conformance()
	cols := res.Columns()
	ids := caseRows(conf)
	rowOf := map[string]int{}
	for i, id := range ids {
		rowOf[id] = i
	}
	colOf := map[reports.Column]int{}
	for j, c := range cols {
		colOf[c] = j
	}
	cells := make([][]*reports.Verdict, len(ids))
	for i := range cells {
		cells[i] = make([]*reports.Verdict, len(cols))
	}
	for _, r := range conf {
		// Several records in one cell (repeats): show the most severe.
		cell := &cells[rowOf[r.Case]][colOf[r.Column()]]
		if *cell == nil || r.Verdict.Severity() > (*cell).Severity() {
			v := r.Verdict
			*cell = &v
		}
	}
	tick := newPlot("").Y.Tick.Label // a style with a font handler, as the axes use
	longest := vg.Length(0)
	for _, id := range ids {
		longest = max(longest, tick.Width(id))
	}
	longestCol := vg.Length(0)
	for _, c := range cols {
		longestCol = max(longestCol, tick.Width(c.String()))
	}
	cell := vg.Points(18)
	w := longest + cell*vg.Length(len(cols)) + vg.Inch*2.6
	h := cell*vg.Length(len(ids)) + longestCol + vg.Inch*1.2
	return figure{
		name: "conformance", w: max(w, 6*vg.Inch), h: max(h, 3*vg.Inch),
		draw: func(dc draw.Canvas) {
			p := newPlot("Conformance verdicts (case × pairing transport)")
			p.Add(heat{cells})
			p.X.Label.Text = ""
			p.Y.Label.Text = ""
			var xt, yt fixedTicks
			for j, c := range cols {
				xt = append(xt, gplot.Tick{Value: float64(j), Label: c.String()})
			}
			for i, id := range ids {
				yt = append(yt, gplot.Tick{Value: float64(len(ids) - 1 - i), Label: id})
			}
			p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
			p.X.Tick.Label.Rotation = math.Pi / 2
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
			p.X.Padding, p.Y.Padding = 0, 0
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = heat{cells}.DataRange()
			leg := newLegend()
			for _, v := range reports.AllVerdicts {
				leg.add(string(v), swatch{VerdictColors[v]})
			}
			leg.add("no record", swatch{missingColor})
			// The canvas was sized from the cell count, so cells come out
			// near square.
			withLegend(dc, leg, p)
		},
	}
}
