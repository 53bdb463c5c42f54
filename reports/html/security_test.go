package html_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	zhtml "github.com/zharness/zharness/reports/html"
)

// TestSecurityRowsAndCaption: NULL and CURVE points are separate table
// rows with their mechanism, a skipped point says why, and the
// security-cost figure gets its caption.
func TestSecurityRowsAndCaption(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rec := func(driver, sec string, rate float64) *reports.Record {
		return &reports.Record{Type: reports.RecordPerf, Subject: driver, Peer: driver, Transport: "tcp",
			Perf: &reports.Perf{Workload: "throughput", Mode: "harness", Topology: "two-process", Size: 64, Count: 10,
				Security: sec, MsgsPerSec: rate}}
	}
	skip := rec("gozmq", "curve", 0)
	skip.Verdict, skip.Reason = reports.NotApplicable, `gozmq does not offer CURVE (no "curve" feature)`
	res := &reports.Results{Records: []*reports.Record{
		rec("libzmq-binding", "", 912345), rec("libzmq-binding", "curve", 345678), skip,
	}}
	fakeFigure(t, filepath.Join(dir, "security-cost.png"))
	if err := zhtml.Write(dir, res, zhtml.Options{Images: []string{filepath.Join(dir, "security-cost.png")}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	idx := string(b)
	for _, want := range []string{"<th>security</th>", "<td>null</td>", "<td>curve</td>", "912", "346",
		"not measured: gozmq does not offer CURVE", "Cost of encryption"} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
}
