package html

import (
	"fmt"
	"html/template"
	"sort"

	"github.com/zharness/zharness/reports"
)

// interop is the implementations × implementations view: for each
// subject (row) and peer (column), how the judged cases came out, across
// transports. It answers "does A work with B?" at a glance; the matrix
// below has the per-case detail.
type interop struct {
	Drivers []string
	Rows    []interopRow
}

type interopRow struct {
	Subject string
	Cells   []interopCell
}

type interopCell struct {
	Has                                 bool
	Pass, Fail, NonStrict, Unimpl, Unex int
	Judged                              int // PASS + FAIL + NON-STRICT
	Style                               template.CSS
	Title                               string
}

// buildInterop counts conformance verdicts per ordered pair of drivers.
func buildInterop(res *reports.Results) interop {
	cells := map[[2]string]*interopCell{}
	seen := map[string]bool{}
	for _, r := range res.Records {
		if r.Type != reports.RecordConformance || r.Verdict == "" {
			continue
		}
		peer := r.Peer
		if peer == "" {
			peer = r.Subject
		}
		seen[r.Subject], seen[peer] = true, true
		k := [2]string{r.Subject, peer}
		c := cells[k]
		if c == nil {
			c = &interopCell{Has: true}
			cells[k] = c
		}
		switch r.Verdict {
		case reports.Pass:
			c.Pass++
		case reports.Fail:
			c.Fail++
		case reports.NonStrict:
			c.NonStrict++
		case reports.Unimplemented:
			c.Unimpl++
		}
		if r.Unexpected {
			c.Unex++
		}
	}
	var out interop
	for d := range seen {
		out.Drivers = append(out.Drivers, d)
	}
	sort.Strings(out.Drivers)
	for _, s := range out.Drivers {
		row := interopRow{Subject: s}
		for _, p := range out.Drivers {
			c := cells[[2]string{s, p}]
			if c == nil {
				row.Cells = append(row.Cells, interopCell{})
				continue
			}
			c.Judged = c.Pass + c.Fail + c.NonStrict
			c.Style = template.CSS(passColour(c.Pass, c.Judged))
			c.Title = fmt.Sprintf("%s:%s — PASS %d, FAIL %d, NON-STRICT %d, UNIMPLEMENTED %d; %d unexpected", s, p, c.Pass, c.Fail, c.NonStrict, c.Unimpl, c.Unex)
			row.Cells = append(row.Cells, *c)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// passColour shades a cell from red (nothing passed) to green (all
// judged cases passed); grey when nothing was judged.
func passColour(pass, judged int) string {
	if judged == 0 {
		return "background:#eee"
	}
	hue := 120 * pass / judged
	return fmt.Sprintf("background:hsl(%d,65%%,82%%)", hue)
}
