package plot_test

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/plot"
	"github.com/zharness/zharness/reports/reportstest"
)

// outDir is where the figures go: a temp dir, or $ZHARNESS_PLOT_DIR to keep
// them for a look.
func outDir(t *testing.T, name string) string {
	if d := os.Getenv("ZHARNESS_PLOT_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	return t.TempDir()
}

func checkFiles(t *testing.T, files []string, want ...string) {
	t.Helper()
	got := map[string]bool{}
	for _, f := range files {
		got[filepath.Base(f)] = true
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f) {
		case ".png":
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if r := img.Bounds(); r.Dx() < 400 || r.Dy() < 200 {
				t.Errorf("%s: %v is too small", f, r)
			}
		case ".svg":
			if !bytes.Contains(b, []byte("<svg")) {
				t.Errorf("%s is not SVG", f)
			}
		}
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("%s not written; got %v", w, files)
		}
	}
}

func TestWriteAll(t *testing.T) {
	t.Parallel()
	res := reportstest.Results()
	if raceEnabled {
		files, err := plot.Write(res, outDir(t, "full"), "svg")
		if err != nil {
			t.Fatal(err)
		}
		checkFiles(t, files, "throughput.svg", "latency.svg", "latency-dist-65536B.svg", "conformance.svg")
		return
	}
	files, err := plot.WriteAll(res, outDir(t, "full"))
	if err != nil {
		t.Fatal(err)
	}
	checkFiles(t, files, "throughput.png", "throughput.svg", "latency.png", "latency.svg",
		"latency-dist-64B.png", "latency-dist-65536B.svg", "conformance.png", "conformance.svg")
	if len(files) != 2*(3+5) {
		t.Errorf("got %d files, want 16: %v", len(files), files)
	}
}

// TestAwkwardData: zero and missing values, single points, a series with
// nothing drawable, and perf-only or conformance-only results must all
// render without panicking.
func TestAwkwardData(t *testing.T) {
	t.Parallel()
	perf := func(driver string, size int, p reports.Perf) *reports.Record {
		p.Size = size
		return &reports.Record{Type: reports.RecordPerf, Subject: driver, Transport: "tcp", Perf: &p}
	}
	cases := map[string][]*reports.Record{
		"single point": {
			perf("a", 64, reports.Perf{Workload: "throughput", MsgsPerSec: 1e6, MBPerSec: 64}),
			perf("a", 64, reports.Perf{Workload: "latency", LatP50: 5e4, LatP99: 9e4, LatDist: [][2]float64{{50, 5e4}}}),
		},
		"all zero": {
			perf("a", 64, reports.Perf{Workload: "throughput"}),
			perf("a", 0, reports.Perf{Workload: "throughput", MsgsPerSec: 5}),
			perf("b", 64, reports.Perf{Workload: "latency", LatDist: [][2]float64{{50, 0}, {100, 0}}}),
		},
		"zero among data": {
			perf("a", 64, reports.Perf{Workload: "throughput", MsgsPerSec: 1e6, MBPerSec: 64}),
			perf("a", 128, reports.Perf{Workload: "throughput", Error: "killed"}),
			perf("a", 256, reports.Perf{Workload: "throughput", MsgsPerSec: 0}),
			perf("a", 512, reports.Perf{Workload: "throughput", MsgsPerSec: 4e5, MBPerSec: 200}),
		},
		"conformance only": {
			{Type: reports.RecordConformance, Case: "x.y", Subject: "a", Peer: "b", Transport: "tcp", Verdict: reports.Fail},
		},
	}
	for name, recs := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := outDir(t, strings.ReplaceAll(name, " ", "-"))
			// SVG only, but for one case: the drawing code is the same
			// for every format and PNG rasterising is slow under -race.
			formats := []string{"svg"}
			if name == "single point" {
				formats = plot.Formats
			}
			files, err := plot.Write(&reports.Results{Records: recs}, dir, formats...)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) == 0 {
				t.Fatal("no figures written")
			}
			checkFiles(t, files)
		})
	}
}
