package perf

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/reports"
)

func TestFillLatency(t *testing.T) {
	t.Parallel()
	// Round trips of 2, 4, ..., 200 µs: one-way 1..100 µs.
	var rtt []int64
	for i := 1; i <= 100; i++ {
		rtt = append(rtt, int64(2*i)*1000)
	}
	var p reports.Perf
	if err := fillLatency(&p, rtt, time.Second); err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want int64) {
		if d := got - want; d < -want/500 || d > want/500 {
			t.Errorf("%s = %d, want %d ±0.2%%", name, got, want)
		}
	}
	near("p50", p.LatP50, 50000)
	near("p90", p.LatP90, 90000)
	near("p99", p.LatP99, 99000)
	near("max", p.LatMax, 100000)
	if p.LatMean != 50500 {
		t.Errorf("mean = %v, want 50500", p.LatMean)
	}
	if p.LatDist[len(p.LatDist)-1][0] != 100 {
		t.Errorf("LatDist ends at %v, want quantile 100", p.LatDist[len(p.LatDist)-1])
	}
}

func TestFillThroughputAndBenchLine(t *testing.T) {
	t.Parallel()
	p := &reports.Perf{Workload: "throughput", Size: 1000, Mode: ModeHarness}
	fillThroughput(p, 1000000, 2*time.Second)
	if p.MsgsPerSec != 500000 || p.MBPerSec != 500 || p.MbitPerSec != 4000 {
		t.Fatalf("got %v msg/s %v MB/s %v Mbit/s, want 500000, 500, 4000", p.MsgsPerSec, p.MBPerSec, p.MbitPerSec)
	}
	rec := &reports.Record{Type: reports.RecordPerf, Subject: "libzmq", Transport: "tcp", Pattern: "pipeline", Perf: p}
	var b bytes.Buffer
	if err := WriteBenchLine(&b, rec); err != nil {
		t.Fatal(err)
	}
	want := "BenchmarkThroughput/driver=libzmq/mode=harness/transport=tcp/size=1000\t1000000\t2000.00 ns/op\t500000 msgs/s\t500.00 MB/s\t4000.0 Mbit/s\t0.000 allocs/msg\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
	checkBench(t, b.String())
	p.Error = "boom"
	b.Reset()
	WriteBenchLine(&b, rec)
	if b.Len() != 0 {
		t.Errorf("a failed point wrote %q", b.String())
	}
}

func TestParseNative(t *testing.T) {
	t.Parallel()
	out := "zh-native role=remote-lat size=64 count=3 elapsed_ns=300 msgs_per_sec=1 mbit_per_sec=0 cpu_ns=90\nsamples_ns 100 90 110\n"
	n, err := parseNative(out)
	if err != nil {
		t.Fatal(err)
	}
	if n.count != 3 || n.elapsed != 300 || n.cpu != 90 || len(n.samples) != 3 || n.samples[2] != 110 {
		t.Errorf("got %+v", n)
	}
	if _, err := parseNative("garbage"); err == nil || !strings.Contains(err.Error(), "no result line") {
		t.Errorf("garbage parsed: %v", err)
	}
}
