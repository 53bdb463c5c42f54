// Package plot draws the report's figures with gonum.org/v1/plot, as PNG
// (for the HTML report) and SVG (for print): throughput and latency
// against message size, latency percentile distributions, and the
// conformance heat map. It lives apart from package reports so binaries
// and tests that do not plot do not link gonum.
//
// Log axes cannot show zero or negative values: such points are dropped
// and the figure says how many were.
package plot

import (
	"fmt"
	"os"
	"path/filepath"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // registers png
	_ "gonum.org/v1/plot/vg/vgsvg" // registers svg

	"github.com/zharness/zharness/reports"
)

// Formats are the image formats WriteAll writes, each figure in each.
var Formats = []string{"png", "svg"}

// figure is one image: a name (file name without extension), its size
// and a function that draws it.
type figure struct {
	name string
	w, h vg.Length
	draw func(dc draw.Canvas)
}

// WriteAll writes every figure the results support into dir (created if
// missing), in every one of Formats, and returns the paths written, PNGs
// first. Results without perf records get no perf figures; without
// conformance records, no heat map.
func WriteAll(res *reports.Results, dir string) ([]string, error) {
	return Write(res, dir, Formats...)
}

// Write is WriteAll for the given formats only ("png", "svg", or any
// other format gonum's vg registers: "pdf" needs vgpdf imported).
func Write(res *reports.Results, dir string, formats ...string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	var figs []figure
	perf := res.Perf()
	if len(perf) > 0 {
		figs = append(figs, throughputFigures(perf)...)
		figs = append(figs, latencyFigure(perf)...)
		figs = append(figs, distFigures(perf)...)
		figs = append(figs, securityFigures(perf)...)
	}
	if conf := res.Conformance(); len(conf) > 0 {
		figs = append(figs, heatFigure(res))
	}
	var files []string
	for _, format := range formats {
		for _, f := range figs {
			path := filepath.Join(dir, f.name+"."+format)
			if err := render(f, format, path); err != nil {
				return files, err
			}
			files = append(files, path)
		}
	}
	return files, nil
}

func render(f figure, format, path string) error {
	c, err := draw.NewFormattedCanvas(f.w, f.h, format)
	if err != nil {
		return fmt.Errorf("plot: %s: %w", f.name, err)
	}
	dc := draw.New(c)
	// A white background: PNGs are transparent otherwise, which reads
	// badly on dark viewers.
	dc.SetColor(white)
	dc.Fill(dc.Rectangle.Path())
	f.draw(dc)
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	if _, err := c.WriteTo(out); err != nil {
		out.Close()
		return fmt.Errorf("plot: write %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	return nil
}

// newPlot returns a plot with the house style: readable fonts and a grid
// behind the data.
func newPlot(title string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.Title.Padding = 8
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = 11
		a.Tick.Label.Font.Size = 9
		a.Padding = 4
	}
	p.BackgroundColor = nil
	return p
}

// legend is a gonum legend that also keeps its entry texts: gplot.Legend
// cannot report its size before drawing, and the layout needs its width.
type legend struct {
	gplot.Legend
	texts []string
}

func newLegend() *legend {
	l := &legend{Legend: gplot.NewLegend()}
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = 9
	l.ThumbnailWidth = vg.Points(24)
	l.Padding = vg.Points(3)
	return l
}

func (l *legend) add(name string, thumbs ...gplot.Thumbnailer) {
	l.Add(name, thumbs...)
	l.texts = append(l.texts, name)
}

// width is the room the legend needs: thumbnail, widest text, margins.
func (l *legend) width() vg.Length {
	w := vg.Length(0)
	for _, t := range l.texts {
		w = max(w, l.TextStyle.Width(t))
	}
	return w + l.ThumbnailWidth + vg.Points(24)
}

// withLegend draws the plots side by side on the left part of dc and the
// legend in a column on the right, so the legend never covers data.
func withLegend(dc draw.Canvas, leg *legend, plots ...*gplot.Plot) {
	lw := leg.width()
	// Equal columns, not gplot.Align: Align lines up the data areas by
	// moving each plot's canvas, which put the panels' titles at different
	// heights. Panels share title and x-axis heights, so they line up
	// anyway.
	area := draw.Crop(dc, vg.Points(4), -lw, vg.Points(4), -vg.Points(4))
	colW := (area.Max.X - area.Min.X) / vg.Length(len(plots))
	for i, p := range plots {
		left := colW * vg.Length(i)
		c := draw.Crop(area, left, -(colW * vg.Length(len(plots)-1-i)), 0, 0)
		if i > 0 {
			c = draw.Crop(c, vg.Points(12), 0, 0, 0)
		}
		p.Draw(c)
	}
	// The legend column starts below the title line.
	legArea := draw.Crop(dc, dc.Max.X-dc.Min.X-lw+vg.Points(8), 0, 0, -vg.Points(36))
	leg.Draw(legArea)
}
