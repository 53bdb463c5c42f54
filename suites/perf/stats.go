package perf

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/zharness/zharness/reports"
)

// fillThroughput derives the throughput figures: msg/s = count / elapsed,
// MB/s in 10^6 bytes, and megabits (10^6 bits) per second as libzmq's
// local_thr prints them.
func fillThroughput(p *reports.Perf, count int, elapsed time.Duration) {
	p.Count, p.Elapsed = count, elapsed
	if elapsed <= 0 {
		return
	}
	rate := float64(count) / elapsed.Seconds()
	p.MsgsPerSec = rate
	p.MBPerSec = rate * float64(p.Size) / 1e6
	p.MbitPerSec = rate * float64(p.Size) * 8 / 1e6
}

// latencyQuantiles are the points of LatDist, in HdrHistogram's 0–100
// scale.
var latencyQuantiles = []float64{0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100}

// fillLatency derives one-way latency figures from round-trip samples (ns):
// each sample is halved, as libzmq's remote_lat halves its mean. The mean
// is exact (elapsed / 2 / count); percentiles come from an HDR histogram
// with 3 significant digits (1 µs resolution or better below 1 ms).
func fillLatency(p *reports.Perf, rtt []int64, elapsed time.Duration) error {
	p.Count, p.Elapsed = len(rtt), elapsed
	if len(rtt) == 0 {
		return fmt.Errorf("no round trips measured")
	}
	// One histogram per point, used by this goroutine only (histograms are
	// not safe for concurrent use).
	h := hdrhistogram.New(1, int64(time.Minute), 3)
	var sum int64
	for _, s := range rtt {
		one := max(s/2, 1)
		sum += s
		if err := h.RecordValue(one); err != nil {
			return fmt.Errorf("latency sample %d ns: %w", one, err)
		}
	}
	p.LatMean = float64(sum) / 2 / float64(len(rtt))
	p.MsgsPerSec = float64(len(rtt)) / (time.Duration(sum)).Seconds()
	p.LatP50 = h.ValueAtQuantile(50)
	p.LatP90 = h.ValueAtQuantile(90)
	p.LatP99 = h.ValueAtQuantile(99)
	p.LatP999 = h.ValueAtQuantile(99.9)
	p.LatMax = h.Max()
	p.LatDist = make([][2]float64, len(latencyQuantiles))
	for i, q := range latencyQuantiles {
		p.LatDist[i] = [2]float64{q, float64(h.ValueAtQuantile(q))}
	}
	return nil
}
