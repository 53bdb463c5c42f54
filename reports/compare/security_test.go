package compare_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
)

// secRecords is 8 repeats of one throughput point under NULL and under
// CURVE, CURVE at a third of NULL's rate.
func secRecords() []*reports.Record {
	var out []*reports.Record
	for i := range 8 {
		for _, sec := range []string{"", "curve"} {
			rate := float64(900_000 + i)
			if sec == "curve" {
				rate /= 3
			}
			out = append(out, &reports.Record{Type: reports.RecordPerf, Subject: "libzmq-binding", Peer: "libzmq-binding", Transport: "tcp",
				Pattern: "pipeline", Perf: &reports.Perf{Workload: "throughput", Mode: "harness", Topology: "two-process", Size: 64,
					Repeat: i, Count: 1000, Security: sec, MsgsPerSec: rate, MBPerSec: rate * 64 / 1e6}})
		}
	}
	return out
}

// TestSecurityMechanismsAreSeparatePoints: a CURVE point and its NULL
// twin are never pooled, from records and from benchmark text alike.
func TestSecurityMechanismsAreSeparatePoints(t *testing.T) {
	t.Parallel()
	recs := secRecords()
	check := func(how string, base []*reports.Record) {
		t.Helper()
		c, err := compare.Compare(base, recs, compare.Options{})
		if err != nil {
			t.Fatal(err)
		}
		points := map[string]compare.Row{}
		for _, r := range c.Rows {
			points[r.Point.String()] = r
		}
		if len(points) != 2 {
			t.Fatalf("%s: points %v, want NULL and CURVE apart", how, points)
		}
		for p, r := range points {
			if r.BaseN != 8 || r.NewN != 8 || r.Significant {
				t.Errorf("%s: %s: n=%d+%d significant=%v; want 8+8 and no change (the two would differ 3× if pooled)",
					how, p, r.BaseN, r.NewN, r.Significant)
			}
			if strings.Contains(p, "sec=curve") != (r.Point.Security == "curve") {
				t.Errorf("%s: point %q does not name its mechanism %q", how, p, r.Point.Security)
			}
		}
	}
	check("records", recs)
	var buf bytes.Buffer
	if err := reports.WriteBenchfmt(&buf, &reports.Results{Records: recs}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "/sec=curve/") || strings.Count(buf.String(), "/sec=") != 8 {
		t.Errorf("benchmark text marks CURVE lines wrongly:\n%s", buf.String())
	}
	back, err := compare.ReadBenchfmt(&buf, "base.txt")
	if err != nil {
		t.Fatal(err)
	}
	check("benchfmt", back)
}

// TestReadBenchfmtSecKey: the reader takes sec= from a name as
// suites/perf.BenchName writes it, and a name without it is NULL.
func TestReadBenchfmtSecKey(t *testing.T) {
	t.Parallel()
	text := "BenchmarkThroughput/driver=libzmq-binding/mode=harness/transport=tcp/sec=plain/size=1024\t100\t10 ns/op\t1000 msgs/s\n" +
		"BenchmarkThroughput/driver=libzmq-binding/mode=harness/transport=tcp/size=1024\t100\t10 ns/op\t1000 msgs/s\n"
	recs, err := compare.ReadBenchfmt(strings.NewReader(text), "x.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Perf.Security != "plain" || recs[1].Perf.Security != "" || recs[0].Perf.Size != 1024 {
		t.Errorf("got %+v and %+v", recs[0].Perf, recs[1].Perf)
	}
}
