package html_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/reportstest"
)

// chromiumPath is Debian's Chromium, which ci/install-deps installs.
const chromiumPath = "/usr/bin/chromium"

// TestBrowser opens the generated report in headless Chromium and checks
// what a reader sees: no console errors, a matrix cell for every case ×
// pairing × transport, every image loaded, a sortable table that sorts,
// and a matrix cell that opens its case page at the right section.
//
// It never skips: decisions.md forbids skipping the browser test in CI, so
// a missing Chromium is a failure that says how to install it.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("headless Chromium not found at %s (%v): run ci/install-deps (installs Debian's chromium package); this test is not skipped", chromiumPath, err)
	}
	dir, res := writeReport(t, true)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 1000),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	// The first Run starts the browser and must not carry a timeout (it
	// would stop the browser); later steps are bounded by step.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	step := func() context.Context {
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		t.Cleanup(cancel)
		return ctx
	}

	// Collect console messages for the whole visit.
	var mu sync.Mutex
	var messages []chromedp.ConsoleMessage
	consoleCtx, stopConsole := context.WithCancel(tab)
	defer stopConsole()
	consoleDone := make(chan struct{})
	msgs := chromedp.Console(consoleCtx)
	go func() {
		defer close(consoleDone)
		for m, err := range msgs {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
		}
	}()

	index := (&url.URL{Scheme: "file", Path: filepath.Join(dir, "index.html")}).String()
	if err := chromedp.Do(step(), chromedp.Navigate(index), chromedp.WaitVisible(chromedp.CSS("#conformance-matrix"))); err != nil {
		t.Fatalf("open %s: %v", index, err)
	}

	// A cell for every case × pairing × transport, each naming its own.
	cells, err := chromedp.Run(step(), chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#conformance-matrix td.cell")).map(td => td.dataset.case + "|" + td.dataset.col)`))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range reportstest.Cases {
		for _, col := range res.Columns() {
			want = append(want, c.ID+"|"+col.String())
		}
	}
	slices.Sort(cells)
	slices.Sort(want)
	if !slices.Equal(cells, want) {
		t.Errorf("matrix cells: got %d, want %d (cases × columns)\ngot:  %v\nwant: %v", len(cells), len(want), cells, want)
	}

	// The interoperability grid: a row and a column per driver.
	grid, err := chromedp.Run(step(), chromedp.Evaluate[[]int](
		`[document.querySelectorAll("#interop-grid tbody tr").length, document.querySelectorAll("#interop-grid thead th").length - 1]`))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range res.Records {
		if r.Type == reports.RecordConformance && r.Verdict != "" {
			seen[r.Subject], seen[r.Peer] = true, true
		}
	}
	if drivers := len(seen); len(grid) != 2 || grid[0] != drivers || grid[1] != drivers || drivers == 0 {
		t.Errorf("interop grid %v rows × columns, want %d × %d", grid, drivers, drivers)
	}

	// Every image decoded.
	type img struct {
		Src   string `json:"src"`
		Width int    `json:"w"`
	}
	imgs, err := chromedp.Run(step(), chromedp.Evaluate[[]img](
		`Array.from(document.images).map(i => ({src: i.getAttribute("src"), w: i.complete ? i.naturalWidth : 0}))`))
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 {
		t.Errorf("images: got %d, want 2: %v", len(imgs), imgs)
	}
	for _, i := range imgs {
		if i.Width <= 0 {
			t.Errorf("image %s did not load", i.Src)
		}
	}

	// Sorting the perf table by msgs/s (9th column) orders it ascending,
	// with the rows that have no msgs/s (latency points) last.
	vals, err := chromedp.Run(step(), func(ctx context.Context, tg *chromedp.Target) ([]string, error) {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#perf-table th:nth-child(9)"))); err != nil {
			return nil, err
		}
		return chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("#perf-table tbody tr")).map(r => r.cells[8].dataset.v)`)(ctx, tg)
	})
	if err != nil {
		t.Fatal(err)
	}
	measured := slices.IndexFunc(vals, func(v string) bool { return v == "" })
	if measured < 10 || slices.ContainsFunc(vals[measured:], func(v string) bool { return v != "" }) {
		t.Errorf("perf table: rows without msgs/s not all last after sorting: %v", vals)
	} else if nums := parseAll(t, vals[:measured]); !slices.IsSorted(nums) {
		t.Errorf("perf table not sorted by msgs/s after a click: %v", nums)
	}

	// Screenshots to look at: the top of the page and the whole page.
	top, err := chromedp.Run(step(), func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)(ctx, tg); err != nil {
			return nil, err
		}
		return chromedp.CaptureScreenshot()(ctx, tg)
	})
	if err != nil {
		t.Fatal(err)
	}
	full, err := chromedp.Run(step(), chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"zharness-report-index.png": top, "zharness-report-index-full.png": full} {
		p := filepath.Join(os.TempDir(), name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}

	// Clicking a failing cell opens its case page at its section.
	sel := `#conformance-matrix td.cell[data-case="reqrep.req-round-robin"][data-col="gozmq:libzmq tcp"] a`
	if err := chromedp.Do(step(), chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("#case-title"))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	loc, err := chromedp.Run(step(), chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(loc, "/cases/reqrep.req-round-robin.html#c-gozmq_libzmq-tcp") {
		t.Errorf("clicked cell opened %s", loc)
	}
	target, err := chromedp.Run(step(), chromedp.Evaluate[string](
		`(document.querySelector("section.cell:target pre.repro") || {}).textContent || ""`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(target, "--pair gozmq:libzmq --transport tcp") {
		t.Errorf("case page's targeted section shows repro %q", target)
	}
	shot, err := chromedp.Run(step(), chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	caseShot := filepath.Join(os.TempDir(), "zharness-report-case.png")
	if err := os.WriteFile(caseShot, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the case page: %s", caseShot)

	stopConsole()
	<-consoleDone
	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		if m.Type == chromedp.ConsoleError || m.IsException() {
			t.Errorf("console %s (%s:%d)", m, m.URL, m.Line)
		}
	}
}

func parseAll(t *testing.T, vs []string) []float64 {
	t.Helper()
	out := make([]float64, len(vs))
	for i, v := range vs {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("sort key %q: %v", v, err)
		}
		out[i] = f
	}
	return out
}
