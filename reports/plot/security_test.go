package plot_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/plot"
)

func secRec(driver, sec, workload string, size int, v float64) *reports.Record {
	p := &reports.Perf{Workload: workload, Size: size, Mode: "harness", Topology: "two-process", Security: sec}
	if workload == "latency" {
		p.LatP50, p.LatP99 = int64(v), int64(2*v)
	} else {
		p.MsgsPerSec, p.MBPerSec = v, v*float64(size)/1e6
	}
	return &reports.Record{Type: reports.RecordPerf, Subject: driver, Peer: driver, Transport: "tcp", Perf: p}
}

// TestSecurityCostFigure: the cost-of-encryption figure is drawn when a
// secure point exists, from a single pair of points, from secure points
// without a NULL twin or with zero values, and is absent otherwise.
func TestSecurityCostFigure(t *testing.T) {
	t.Parallel()
	skipped := secRec("gozmq", "curve", "throughput", 64, 0)
	skipped.Verdict = reports.NotApplicable
	cases := map[string]struct {
		recs []*reports.Record
		want bool
	}{
		"single point": {[]*reports.Record{
			secRec("libzmq-binding", "", "throughput", 64, 9e5),
			secRec("libzmq-binding", "curve", "throughput", 64, 3e5),
		}, true},
		"zero values": {[]*reports.Record{
			secRec("libzmq-binding", "", "throughput", 64, 0),
			secRec("libzmq-binding", "curve", "throughput", 64, 3e5),
			secRec("libzmq-binding", "curve", "latency", 1024, 0),
			secRec("libzmq-binding", "", "latency", 1024, 5e4),
			secRec("gozmq", "plain", "throughput", 65536, 1e4), // no NULL twin
		}, true},
		"null only":  {[]*reports.Record{secRec("libzmq-binding", "", "throughput", 64, 9e5)}, false},
		"skips only": {[]*reports.Record{secRec("libzmq-binding", "", "throughput", 64, 9e5), skipped}, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			formats := []string{"svg"}
			if name == "single point" && !raceEnabled {
				formats = plot.Formats
			}
			files, err := plot.Write(&reports.Results{Records: c.recs}, outDir(t, "security-"+strings.ReplaceAll(name, " ", "-")), formats...)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.ContainsFunc(files, func(f string) bool { return strings.HasPrefix(filepath.Base(f), "security-cost.") })
			if got != c.want {
				t.Fatalf("security-cost drawn = %v, want %v: %v", got, c.want, files)
			}
			checkFiles(t, files)
		})
	}
}
