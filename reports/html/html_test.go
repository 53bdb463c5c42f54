package html_test

import (
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
	zhtml "github.com/zharness/zharness/reports/html"
	"github.com/zharness/zharness/reports/reportstest"
)

// fakeFigure writes a small PNG: this package's tests must not link gonum,
// so they stand in for reports/plot's figures.
func fakeFigure(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 160))
	for x := range 320 {
		for y := range 160 {
			img.Set(x, y, color.White)
		}
		img.Set(x, 150-x/3, color.RGBA{0xd3, 0x2f, 0x2f, 0xff})
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// writeReport writes the sample report into a temp dir: one figure beside
// the HTML, one copied in from elsewhere, and a comparison.
func writeReport(t *testing.T, incomplete bool) (string, *reports.Results) {
	t.Helper()
	dir, elsewhere := t.TempDir(), t.TempDir()
	res := reportstest.Results()
	res.Header.Meta.Incomplete = incomplete
	fakeFigure(t, filepath.Join(dir, "throughput.png"))
	fakeFigure(t, filepath.Join(elsewhere, "latency.png"))
	if err := os.WriteFile(filepath.Join(dir, "throughput.svg"), []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A 10 % slower run with 10 samples per side: the comparison section
	// then has regressions to show.
	newer := reportstest.PerfRecords(rand.New(rand.NewPCG(9, 9)), 10, 0.9)
	base := reportstest.PerfRecords(rand.New(rand.NewPCG(8, 8)), 10, 1)
	cmp, err := compare.Compare(base, newer, compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = zhtml.Write(dir, res, zhtml.Options{
		Images:     []string{filepath.Join(dir, "throughput.png"), filepath.Join(dir, "throughput.svg"), filepath.Join(elsewhere, "latency.png")},
		Comparison: cmp, Baseline: "main@abc123",
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, res
}

func TestWrite(t *testing.T) {
	t.Parallel()
	dir, _ := writeReport(t, true)
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	idx := string(b)
	for _, want := range []string{`id="incomplete"`, `id="conformance-matrix"`, `src="throughput.png"`, `src="latency.png"`,
		`href="throughput.svg"`, "Comparison with main@abc123", "REGRESSION", "Intel(R) Xeon(R)", "go-zeromq/zmq4 v0.17.0"} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	for _, bad := range []string{"http://", "https://", `rel="stylesheet"`, "<script src"} {
		if strings.Contains(idx, bad) {
			t.Errorf("index.html refers to the network: %q", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "latency.png")); err != nil {
		t.Errorf("image outside the report dir was not copied in: %v", err)
	}
	// Every case page exists and carries its cells' details.
	for _, c := range reportstest.Cases {
		p, err := os.ReadFile(filepath.Join(dir, "cases", c.ID+".html"))
		if err != nil {
			t.Fatal(err)
		}
		page := string(p)
		for _, want := range []string{c.Require, c.Clause, string(c.Grade), `id="c-libzmq_gozmq-tcp"`, "back to the matrix", `id="incomplete"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %q", c.ID, want)
			}
		}
	}
	p, err := os.ReadFile(filepath.Join(dir, "cases", "reqrep.req-round-robin.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"zharness run --case reqrep.req-round-robin --pair gozmq:libzmq --transport tcp",
		"peer A received", "UNEXPECTED", "<td>recv</td>"} {
		if !strings.Contains(string(p), want) {
			t.Errorf("failing case page lacks %q", want)
		}
	}
}

func TestNotIncomplete(t *testing.T) {
	t.Parallel()
	dir, _ := writeReport(t, false)
	b, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), `id="incomplete"`) {
		t.Error("complete run marked INCOMPLETE")
	}
}
