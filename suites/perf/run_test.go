package perf

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// tinyPlan is one workload with small counts so tests stay quick.
func tinyPlan(t *testing.T, src string) *Plan {
	t.Helper()
	p, err := Parse("tiny.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func collect(t *testing.T, plan *Plan, o Options) ([]*reports.Record, string) {
	t.Helper()
	var mu sync.Mutex
	var recs []*reports.Record
	var bench bytes.Buffer
	o.BenchOut = &bench
	err := Run(context.Background(), plan, o, func(r *reports.Record) {
		mu.Lock()
		defer mu.Unlock()
		recs = append(recs, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, bench.String()
}

func TestRunTwoProcessAllModes(t *testing.T) {
	plan := tinyPlan(t, `
workloads:
  - id: thr
    kind: throughput
    sizes: [64, 1KiB]
    count: 2000
    warmup: 10
    repeats: 1
    transports: [tcp, ipc]
    drivers: [libzmq, gozmq, libzmq-binding]
  - id: lat
    kind: latency
    sizes: [64]
    count: 200
    warmup: 10
    repeats: 1
    transports: [tcp]
    drivers: [libzmq, gozmq]
`)
	native := true
	if _, err := FindNative(""); err != nil {
		native = false
		t.Logf("native programs absent, their records must be errors: %v", err)
	}
	recs, bench := collect(t, plan, Options{PeerCommand: testPeer("1"), PointTimeout: 20 * time.Second})
	// thr: 2 transports × 2 sizes × (native, libzmq, bare, gozmq, binding, raw);
	// lat: 1 × 1 × (native, libzmq, bare, gozmq, raw).
	if want := 2*2*6 + 5; len(recs) != want {
		t.Fatalf("got %d records, want %d", len(recs), want)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		p := r.Perf
		seen[p.Mode+"/"+r.Subject] = true
		if p.Mode == ModeNative && !native {
			if p.Error == "" {
				t.Errorf("%s: native absent but no error", r.Title)
			}
			continue
		}
		if p.Error != "" {
			t.Errorf("%s: %s", r.Title, p.Error)
			continue
		}
		if p.Topology != TwoProcess || r.Type != reports.RecordPerf {
			t.Errorf("%s: topology %q type %q", r.Title, p.Topology, r.Type)
		}
		switch Kind(p.Workload) {
		case Throughput:
			if p.Count != 2000 || p.MsgsPerSec <= 0 || p.Elapsed <= 0 {
				t.Errorf("%s: count %d rate %v elapsed %v", r.Title, p.Count, p.MsgsPerSec, p.Elapsed)
			}
			if got := p.MbitPerSec / p.MBPerSec; got < 7.99 || got > 8.01 {
				t.Errorf("%s: Mbit/s is %v × MB/s, want 8", r.Title, got)
			}
		case Latency:
			if p.Count != 200 || p.LatP50 <= 0 || p.LatP50 > p.LatP99 || p.LatP99 > p.LatMax {
				t.Errorf("%s: count %d p50 %d p99 %d max %d", r.Title, p.Count, p.LatP50, p.LatP99, p.LatMax)
			}
		}
	}
	for _, k := range []string{"harness/libzmq", "harness/gozmq", "harness/libzmq-binding", "bare/gozmq", "raw/raw", "native/libzmq"} {
		if !seen[k] {
			t.Errorf("no record for %s", k)
		}
	}
	// Interleaving: within a cell, the native reference comes right before
	// the libzmq harness run.
	if recs[0].Perf.Mode != ModeNative || recs[1].Perf.Mode != ModeHarness || recs[1].Subject != "libzmq" {
		t.Errorf("first records are %s, %s; want native then libzmq harness", recs[0].Title, recs[1].Title)
	}
	checkBench(t, bench)
}

// checkBench parses the bench output as benchstat would.
func checkBench(t *testing.T, out string) {
	t.Helper()
	r := benchfmt.NewReader(strings.NewReader(out), "bench.txt")
	n := 0
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.Result:
			n++
			if len(rec.Values) < 2 || rec.Values[0].OrigUnit != "ns/op" {
				t.Errorf("%s: values %v, want ns/op first and more", rec.Name, rec.Values)
			}
		case *benchfmt.SyntaxError:
			t.Errorf("benchfmt: %v", rec)
		}
	}
	if n == 0 {
		t.Errorf("no benchmark lines in %q", out)
	}
}

func TestRunSameProcessInprocAndFanout(t *testing.T) {
	plan := tinyPlan(t, `
workloads:
  - id: thr
    kind: throughput
    sizes: [32]
    count: 500
    repeats: 1
    transports: [inproc]
    drivers: [gozmq, libzmq-binding, libzmq]
  - id: fan
    kind: fanout
    subscribers: 3
    sizes: [64]
    count: 500
    repeats: 1
    transports: [tcp]
    drivers: [gozmq, libzmq]
`)
	recs, _ := collect(t, plan, Options{PointTimeout: 20 * time.Second})
	for _, r := range recs {
		p := r.Perf
		if r.Subject == "libzmq" && r.Transport == "inproc" && p.Mode == ModeHarness {
			// The C loops each own a context; inproc cannot join them.
			if !strings.Contains(p.Error, "inproc") {
				t.Errorf("%s: error %q, want the inproc limitation", r.Title, p.Error)
			}
			continue
		}
		if p.Error != "" {
			t.Errorf("%s: %s", r.Title, p.Error)
			continue
		}
		if p.Topology != SameProcess || p.MsgsPerSec <= 0 {
			t.Errorf("%s: topology %q rate %v", r.Title, p.Topology, p.MsgsPerSec)
		}
		if p.Workload == string(Fanout) && (p.Subscribers != 3 || p.Count+p.Dropped < 3*(500-1)) {
			t.Errorf("%s: subscribers %d count %d dropped %d", r.Title, p.Subscribers, p.Count, p.Dropped)
		}
	}
	if len(recs) != 4+2 {
		t.Errorf("got %d records, want 6", len(recs))
	}
}

// TestPeerFailureIsAPointError: a peer that dies or hangs makes its point
// an error carrying the peer's stderr within a bounded time, and the run
// goes on to the next point.
func TestPeerFailureIsAPointError(t *testing.T) {
	for _, mode := range []string{"die", "hang"} {
		t.Run(mode, func(t *testing.T) {
			plan := tinyPlan(t, `
workloads:
  - id: thr
    kind: throughput
    sizes: [64, 128]
    count: 200
    repeats: 1
    transports: [tcp]
    drivers: [libzmq, gozmq]
    references: []
`)
			var calls atomic.Int32
			peer := func(args ...string) *exec.Cmd {
				if calls.Add(1) == 1 {
					return testPeer(mode)(args...)
				}
				return testPeer("1")(args...)
			}
			const timeout = 2 * time.Second
			start := time.Now()
			recs, _ := collect(t, plan, Options{PeerCommand: peer, PointTimeout: timeout})
			if len(recs) != 4 {
				t.Fatalf("got %d records, want 4", len(recs))
			}
			first := recs[0].Perf
			want := map[string]string{"die": "boom: simulated peer crash", "hang": "hanging on purpose"}[mode]
			if !strings.Contains(first.Error, want) {
				t.Errorf("first point error %q, want the peer's stderr %q", first.Error, want)
			}
			if d := recs[0].Duration; d > timeout+peerGrace+2*time.Second {
				t.Errorf("failed point took %v, want it bounded by about %v", d, timeout+peerGrace)
			}
			if mode == "die" && recs[0].Duration > timeout {
				t.Errorf("a dead peer cost %v, want less than the %v deadline", recs[0].Duration, timeout)
			}
			for _, r := range recs[1:] {
				if r.Perf.Error != "" {
					t.Errorf("%s after the failure: %s", r.Title, r.Perf.Error)
				}
			}
			t.Logf("%s: whole run %v, failed point %v: %s", mode, time.Since(start), recs[0].Duration, first.Error)
		})
	}
}

func TestBulkLoopsHonourDeadline(t *testing.T) {
	// No peer at all: every loop kind must give up at its deadline.
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	for _, name := range []string{"libzmq", "gozmq", loopsRaw, loopsBare} {
		l, err := loopsByName(name)
		if err != nil {
			t.Fatal(err)
		}
		ep, _ := eps.New(drivers.TCP)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		_, err = l.ThroughputRecv(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 8, Count: 10})
		cancel()
		if err == nil {
			t.Errorf("%s: receive with no sender succeeded", name)
		}
		if d := time.Since(start); d > 300*time.Millisecond+400*time.Millisecond {
			t.Errorf("%s: gave up after %v, want about 300ms", name, d)
		}
	}
}
