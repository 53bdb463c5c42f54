package plot

import (
	"fmt"
	"math"
	"strconv"

	gplot "gonum.org/v1/plot"
)

// logTicks marks each decade with a label and 2…9 times it as minor ticks.
// When the axis spans less than two decades, 2× and 5× are labelled too, so
// a narrow axis still has numbers on it.
type logTicks struct {
	format func(float64) string
}

// Ticks implements gplot.Ticker.
func (t logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if lo <= 0 || hi <= lo || math.IsInf(hi, 0) {
		return nil
	}
	narrow := math.Log10(hi/lo) < 2
	var ticks []gplot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		dec := math.Pow(10, e)
		for m := 1.0; m < 10; m++ {
			v := dec * m
			if v < lo || v > hi {
				continue
			}
			tk := gplot.Tick{Value: v}
			if m == 1 || narrow && (m == 2 || m == 5) {
				tk.Label = t.format(v)
			}
			ticks = append(ticks, tk)
		}
	}
	return ticks
}

// fixedTicks are given tick marks, e.g. the message sizes measured.
type fixedTicks []gplot.Tick

// Ticks implements gplot.Ticker.
func (t fixedTicks) Ticks(lo, hi float64) []gplot.Tick { return t }

// si formats with an SI suffix: 1.5k, 2M.
func si(v float64) string {
	for _, s := range []struct {
		f float64
		p string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= s.f {
			return strconv.FormatFloat(v/s.f, 'g', 3, 64) + s.p
		}
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// plain formats a number without exponent notation.
func plain(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// sizeLabel formats a message size in bytes with binary units.
func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// setLogRange sets a log axis to cover [lo, hi] with a margin. With no
// data it shows one decade; with one value it shows a factor of 2 either
// side, since a zero-width log range cannot be drawn.
func setLogRange(a *gplot.Axis, lo, hi float64) {
	switch {
	case lo <= 0 || math.IsInf(lo, 0) || math.IsNaN(lo) || hi < lo:
		lo, hi = 1, 10
	case lo == hi:
		lo, hi = lo/2, hi*2
	default:
		lo, hi = lo/1.3, hi*1.3
	}
	a.Min, a.Max = lo, hi
	a.Scale = gplot.LogScale{}
}
