package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// BenchPkg is the "pkg:" configuration written in benchmark output.
const BenchPkg = "github.com/zharness/zharness"

// Benchmark units written by WriteBenchfmt, and which way is better.
var benchUnits = []struct {
	unit   string
	better string
}{
	{"msgs/s", "higher"},
	{"cpu-ns/msg", "lower"},
	{"allocs/msg", "lower"},
	{"p50-ns", "lower"},
	{"p90-ns", "lower"},
	{"p99-ns", "lower"},
	{"p99.9-ns", "lower"},
	{"max-ns", "lower"},
}

// WriteBenchfmt writes every successful perf record as one line of the Go
// benchmark format, so benchstat reads the repeats of a point as samples:
//
//	BenchmarkThroughput/driver=libzmq/transport=tcp/mode=harness/topology=two-process/size=64-2  1000000  476.2 ns/op  2.1e+06 msgs/s  134.4 MB/s
//	BenchmarkLatency/driver=gozmq/transport=ipc/mode=harness/topology=two-process/size=64-2  100000  25000 ns/op  24000 p50-ns  ...
//
// The header carries goos, goarch, cpu and pkg from Meta, and "Unit" lines
// tell benchstat which direction of each custom unit is better. ns/op is
// the time per message (throughput) or the mean one-way latency.
// Failed points (Perf.Error) and zero values are left out: benchstat would
// read a zero as a real sample.
func WriteBenchfmt(w io.Writer, res *Results) error {
	bw := benchfmt.NewWriter(w)
	for _, u := range benchUnits {
		err := bw.Write(&benchfmt.UnitMetadata{
			UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.unit, Key: "better"},
			OrigUnit:        u.unit, Value: u.better,
		})
		if err != nil {
			return fmt.Errorf("benchfmt: %w", err)
		}
	}
	cfg := benchConfig(res.Header.Meta)
	for _, r := range res.Perf() {
		vals := benchValues(r.Perf)
		if r.Perf.Error != "" || len(vals) == 0 {
			continue
		}
		iters := r.Perf.Count
		if iters <= 0 {
			iters = 1
		}
		out := &benchfmt.Result{
			Config: cfg,
			Name:   benchfmt.Name(benchName(r, res.Header.Meta.CPUs)),
			Iters:  iters,
			Values: vals,
		}
		if err := bw.Write(out); err != nil {
			return fmt.Errorf("benchfmt: %w", err)
		}
	}
	return nil
}

func benchConfig(m Meta) []benchfmt.Config {
	var cfg []benchfmt.Config
	add := func(k, v string) {
		if v != "" {
			cfg = append(cfg, benchfmt.Config{Key: k, Value: []byte(v), File: true})
		}
	}
	add("goos", m.GOOS)
	add("goarch", m.GOARCH)
	add("pkg", BenchPkg)
	add("cpu", m.CPUModel)
	add("commit", m.Commit)
	return cfg
}

// benchName is the benchmark name without the "Benchmark" prefix: the
// workload, then key=value sub-names benchstat can group by, then the
// GOMAXPROCS-style "-N" suffix when procs > 0.
func benchName(r *Record, procs int) string {
	p := r.Perf
	var b strings.Builder
	wl := p.Workload
	if wl == "" {
		wl = "unknown"
	}
	b.WriteString(strings.ToUpper(wl[:1]) + wl[1:])
	kv := func(k, v string) {
		if v != "" {
			// '/' and ' ' would split the name; '-' before digits at the
			// end would read as the procs suffix, so the value is safe
			// only because size comes last.
			v = strings.NewReplacer("/", "_", " ", "_").Replace(v)
			b.WriteString("/" + k + "=" + v)
		}
	}
	kv("driver", r.Subject)
	if r.Peer != r.Subject {
		kv("peer", r.Peer)
	}
	kv("transport", r.Transport)
	kv("mode", p.Mode)
	kv("topology", p.Topology)
	kv("sec", p.Security) // empty (NULL) writes nothing: names stay as before
	kv("size", strconv.Itoa(p.Size))
	if procs > 0 {
		fmt.Fprintf(&b, "-%d", procs)
	}
	return b.String()
}

func benchValues(p *Perf) []benchfmt.Value {
	var vals []benchfmt.Value
	add := func(v float64, unit string) {
		if v > 0 {
			vals = append(vals, benchfmt.Value{Value: v, Unit: unit})
		}
	}
	switch p.Workload {
	case "latency":
		mean := p.LatMean
		if mean == 0 {
			mean = float64(p.LatP50)
		}
		add(mean, "ns/op")
		add(float64(p.LatP50), "p50-ns")
		add(float64(p.LatP90), "p90-ns")
		add(float64(p.LatP99), "p99-ns")
		add(float64(p.LatP999), "p99.9-ns")
		add(float64(p.LatMax), "max-ns")
	default:
		if p.MsgsPerSec > 0 {
			add(1e9/p.MsgsPerSec, "ns/op")
		}
		add(p.MsgsPerSec, "msgs/s")
		add(p.MBPerSec, "MB/s")
	}
	add(p.CPUPerMsgNS, "cpu-ns/msg")
	add(p.AllocsPerMsg, "allocs/msg")
	return vals
}
