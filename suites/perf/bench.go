package perf

import (
	"fmt"
	"io"
	"strings"

	"github.com/zharness/zharness/reports"
)

// BenchName is the Go benchmark name of a perf record, e.g.
// "BenchmarkThroughput/driver=libzmq/mode=harness/transport=tcp/size=64".
// Keys are stable so benchstat can project on them ("-col /mode" puts the
// native reference beside the harness, "-col /sec" a secure point beside
// NULL, which has no sec key).
func BenchName(r *reports.Record) string {
	p := r.Perf
	var b strings.Builder
	b.WriteString("Benchmark")
	switch Kind(p.Workload) {
	case Throughput:
		b.WriteString("Throughput")
	case Latency:
		b.WriteString("Latency/pattern=" + r.Pattern)
	case Fanout:
		fmt.Fprintf(&b, "Fanout/subs=%d", p.Subscribers)
	default:
		b.WriteString(strings.ToUpper(p.Workload[:1]) + p.Workload[1:])
	}
	fmt.Fprintf(&b, "/driver=%s/mode=%s/transport=%s", r.Subject, p.Mode, r.Transport)
	if p.Security != "" {
		// Only when not NULL, so names from before security stay valid.
		b.WriteString("/sec=" + p.Security)
	}
	fmt.Fprintf(&b, "/size=%d", p.Size)
	return b.String()
}

// WriteBenchLine writes one perf record as a Go benchmark result line that
// benchstat reads. Throughput: N = messages, ns/op per message, msgs/s,
// MB/s (10^6 bytes) and Mbit/s (libzmq's unit). Latency: N = round trips,
// ns/op = mean one-way latency, then p50/p90/p99/p99.9/max one-way in ns.
// CPU time and allocations per message follow when measured. A failed
// point writes nothing (benchstat has no notation for it; the record keeps
// the error).
func WriteBenchLine(w io.Writer, r *reports.Record) error {
	p := r.Perf
	if p == nil || p.Error != "" || p.Count == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\t%d", BenchName(r), p.Count)
	switch Kind(p.Workload) {
	case Latency:
		fmt.Fprintf(&b, "\t%.1f ns/op\t%d p50-ns\t%d p90-ns\t%d p99-ns\t%d p99.9-ns\t%d max-ns",
			p.LatMean, p.LatP50, p.LatP90, p.LatP99, p.LatP999, p.LatMax)
	default:
		fmt.Fprintf(&b, "\t%.2f ns/op\t%.0f msgs/s\t%.2f MB/s\t%.1f Mbit/s",
			float64(p.Elapsed)/float64(p.Count), p.MsgsPerSec, p.MBPerSec, p.MbitPerSec)
	}
	if p.CPUPerMsgNS > 0 {
		fmt.Fprintf(&b, "\t%.1f cpu-ns/msg", p.CPUPerMsgNS)
	}
	if p.Mode != ModeNative {
		// Zero allocations is a figure too, except where Go is absent.
		fmt.Fprintf(&b, "\t%.3f allocs/msg", p.AllocsPerMsg)
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
