package perf

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// measure enables TestMeasure, which is minutes long.
var measure = flag.Bool("perf.measure", false, "run TestMeasure: the full fidelity measurement (minutes)")

// BenchmarkThroughput runs the same workloads as scenarios/perf through
// testing.B: b.N messages per run, receiver in this process, sender in a
// peer process (this test binary re-executed), like "zharness bench".
func BenchmarkThroughput(b *testing.B) {
	for _, loops := range []string{"libzmq", "gozmq", "libzmq-binding", loopsBare, loopsRaw} {
		for _, tr := range []drivers.Transport{drivers.TCP, drivers.IPC} {
			for _, size := range []int{64, 1024} {
				b.Run(benchSub(loops, tr, size), func(b *testing.B) {
					w := &Workload{ID: "bench", Kind: Throughput, Warmup: 100, Pattern: ""}
					benchPoint(b, w, loops, tr, size)
				})
			}
		}
	}
}

// BenchmarkLatency is REQ/REP round trips; ns/op is the mean one-way time.
func BenchmarkLatency(b *testing.B) {
	for _, loops := range []string{"libzmq", "gozmq", loopsBare, loopsRaw} {
		for _, tr := range []drivers.Transport{drivers.TCP, drivers.IPC} {
			b.Run(benchSub(loops, tr, 64), func(b *testing.B) {
				w := &Workload{ID: "bench", Kind: Latency, Pattern: PatternReqRep, Warmup: 100}
				benchPoint(b, w, loops, tr, 64)
			})
		}
	}
}

func benchSub(loops string, tr drivers.Transport, size int) string {
	return "driver=" + loops + "/transport=" + string(tr) + "/size=" + SizeLabel(size)
}

func benchPoint(b *testing.B, w *Workload, loops string, tr drivers.Transport, size int) {
	eps, err := drivers.NewEndpoints()
	if err != nil {
		b.Fatal(err)
	}
	defer eps.Close()
	r := &runner{opts: Options{PeerCommand: testPeer("1"), PointTimeout: time.Minute}, eps: eps}
	p := &reports.Perf{Size: size, Workload: string(w.Kind), Topology: TwoProcess}
	b.ResetTimer()
	err = r.runLoops(context.Background(), point{w: w, transport: tr, size: size}, subject{driver: loops, loops: loops}, max(b.N, 1), p)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	// ns/op from the loop's own clock, not b's (which includes the peer
	// process start-up).
	b.ReportMetric(float64(p.Elapsed)/float64(p.Count), "ns/op")
	if w.Kind == Latency {
		b.ReportMetric(p.LatMean, "ns/op")
		b.ReportMetric(float64(p.LatP50), "p50-ns")
		b.ReportMetric(float64(p.LatP99), "p99-ns")
	} else {
		b.ReportMetric(p.MsgsPerSec, "msgs/s")
		b.ReportMetric(p.MBPerSec, "MB/s")
	}
}

// TestMeasure is the fidelity measurement behind the report's table:
// go test ./suites/perf -run TestMeasure -perf.measure -v (writes bench
// lines to $PERF_OUT or stdout; $PERF_PLAN picks another workload file,
// $PERF_QUICK=1 the quick profile, $PERF_WORKLOADS filters by id).
func TestMeasure(t *testing.T) {
	if !*measure {
		t.Skip("pass -perf.measure to run the measurement")
	}
	src := "../../scenarios/perf"
	if p := os.Getenv("PERF_PLAN"); p != "" {
		src = p
	}
	plan, err := LoadFiles(src)
	if err != nil {
		t.Fatal(err)
	}
	out := os.Stdout
	if p := os.Getenv("PERF_OUT"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		out = f
	}
	o := Options{PeerCommand: testPeer("1"), BenchOut: out,
		Workloads: splitEnv("PERF_WORKLOADS"), Progress: func(p Progress) {
			if p.Record.Perf.Error != "" {
				t.Logf("%d/%d %s: %s", p.Done, p.Total, p.Record.Title, p.Record.Perf.Error)
			}
		}}
	if os.Getenv("PERF_QUICK") != "" {
		o.Quick = true
	}
	start := time.Now()
	if err := Run(context.Background(), plan, o, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("wall time %v", time.Since(start))
}

func splitEnv(k string) []string {
	if v := os.Getenv(k); v != "" {
		return strings.Split(v, ",")
	}
	return nil
}
