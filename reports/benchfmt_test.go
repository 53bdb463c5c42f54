package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/reportstest"
)

func TestWriteBenchfmt(t *testing.T) {
	t.Parallel()
	res := reportstest.Results()
	var buf bytes.Buffer
	if err := reports.WriteBenchfmt(&buf, res); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, r := range res.Perf() {
		if r.Perf.Error == "" {
			ok++
		}
	}
	// Read it back as benchstat does.
	rd := benchfmt.NewReader(bytes.NewReader(buf.Bytes()), "sample.txt")
	var n int
	names := map[string]int{}
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("syntax error: %v", rec)
		case *benchfmt.Result:
			n++
			names[string(rec.Name.Full())]++
			for k, want := range map[string]string{"goos": "linux", "goarch": "amd64", "pkg": reports.BenchPkg, "cpu": res.Header.Meta.CPUModel} {
				if got := rec.GetConfig(k); got != want {
					t.Errorf("%s: config %s=%q, want %q", rec.Name, k, got, want)
				}
			}
			if _, ok := rec.Value("sec/op"); !ok {
				t.Errorf("%s: no ns/op", rec.Name)
			}
		}
	}
	if err := rd.Err(); err != nil {
		t.Fatal(err)
	}
	if n != ok {
		t.Errorf("results: got %d, want %d (one per successful perf record)", n, ok)
	}
	thr := "Throughput/driver=libzmq/transport=tcp/mode=harness/topology=two-process/size=64-2"
	if names[thr] != 6 {
		t.Errorf("%s: %d samples, want 6 (one per repeat); names: %v", thr, names[thr], names)
	}
	if units := rd.Units(); units.GetBetter("msgs/s") != 1 || units.GetBetter("p99-ns") != -1 {
		t.Errorf("unit metadata not read back: msgs/s %d, p99-ns %d", units.GetBetter("msgs/s"), units.GetBetter("p99-ns"))
	}
	if strings.Contains(buf.String(), "size=131072") {
		t.Error("the failed point was written as a sample")
	}
}
