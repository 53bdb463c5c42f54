package plot

import (
	"math"
	"slices"
	"testing"
)

// TestRatios: each secure series is divided by its NULL twin at the same
// size (medians), sizes without a twin are counted as dropped, and NULL
// series are not lines of their own.
func TestRatios(t *testing.T) {
	t.Parallel()
	null := series{driver: "libzmq-binding", transport: "tcp", mode: "harness"}
	curve, plain := null, null
	curve.security, plain.security = "curve", "plain"
	data := map[series]points{
		null:  {64: {100, 300, 200}, 1024: {50}},
		curve: {64: {40, 60, 50}, 1024: {25}, 65536: {3}},
		plain: {},
	}
	out, dropped := ratios(data)
	if _, ok := out[null]; ok {
		t.Error("NULL got a ratio line of its own")
	}
	if r := out[curve][64]; len(r) != 1 || math.Abs(r[0]-0.25) > 1e-12 {
		t.Errorf("curve 64 B: %v, want median 50 / median 200 = 0.25", r)
	}
	if r := out[curve][1024]; len(r) != 1 || r[0] != 0.5 {
		t.Errorf("curve 1 KiB: %v, want 0.5", r)
	}
	if _, ok := out[curve][65536]; ok || dropped != 1 {
		t.Errorf("64 KiB has no NULL twin: got %v, dropped %d; want no ratio and 1 dropped", out[curve][65536], dropped)
	}
	if p, ok := out[plain]; !ok || len(p) != 0 {
		t.Errorf("plain without data: %v, %v; want kept (for the legend) and empty", p, ok)
	}
}

func TestLinearTicks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 1.1, []string{"0", "0.2", "0.4", "0.6", "0.8", "1"}},
		{0, 2.75, []string{"0", "0.5", "1", "1.5", "2", "2.5"}},
		{0, 0, nil},
	} {
		var got []string
		for _, tk := range (linearTicks{}).Ticks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Ticks(%v, %v) = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}
