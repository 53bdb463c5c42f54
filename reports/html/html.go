// Package html writes the self-contained HTML report: index.html with the
// run's metadata, verdict summary, an Autobahn-style conformance matrix
// (cases × pairing transport, each cell linking to its case page), the
// performance figures and a sortable table, and the comparison to a
// baseline when one is given; plus one page per case under cases/.
//
// Everything is inline (CSS, a few lines of JS) and images are files
// beside the HTML, so the report opens from file:// with no network. The
// figures are drawn by reports/plot; this package only takes their paths,
// so it does not link gonum.
package html

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/compare"
)

// Options configure Write.
type Options struct {
	Title string // default "zharness report"
	// Images are figure files to show in the performance section, in
	// order. Files outside dir are copied into it. PNG, JPEG and GIF are
	// shown; an SVG with the same name as a shown image is linked beside
	// it, and other SVGs are shown as images.
	Images []string
	// Comparison, when set, adds a section comparing this run to a
	// baseline named Baseline.
	Comparison *compare.Comparison
	Baseline   string
}

// Write writes index.html and cases/*.html for res into dir, creating it.
func Write(dir string, res *reports.Results, opts Options) error {
	if opts.Title == "" {
		opts.Title = "zharness report"
	}
	if err := os.MkdirAll(filepath.Join(dir, "cases"), 0o755); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	imgs, err := placeImages(dir, opts.Images)
	if err != nil {
		return err
	}
	m := buildMatrix(res)
	idx := indexData{
		Title: opts.Title, Meta: res.Header.Meta, Summary: reports.Summarize(res),
		Verdicts: reports.AllVerdicts, Matrix: m, Interop: buildInterop(res), Images: imgs,
		Perf: perfRows(res.Perf()), Comparison: opts.Comparison, Baseline: opts.Baseline,
	}
	if err := writeFile(filepath.Join(dir, "index.html"), "index", idx); err != nil {
		return err
	}
	for _, c := range m.Cases {
		data := caseData{Title: opts.Title, Incomplete: res.Header.Meta.Incomplete, Case: c}
		if err := writeFile(filepath.Join(dir, "cases", c.File), "case", data); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path, tmpl string, data any) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("html: %w", err)
	}
	if err := templates.ExecuteTemplate(f, tmpl, data); err != nil {
		f.Close()
		return fmt.Errorf("html: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	return nil
}

// image is a figure as the index shows it.
type image struct {
	Src string // relative to index.html
	SVG string // relative link to the vector version, if any
	Alt string
	// Caption explains a figure whose name is in captions.
	Caption string
}

// captions are short explanations of the figures reports/plot draws, by
// file name without extension.
var captions = map[string]string{
	"security-cost": "Cost of encryption: each secure point's median throughput (left) and one-way p50 latency (right) " +
		"divided by the same driver's NULL point at that size, measured in alternation in one run. " +
		"Below 1 on the left and above 1 on the right is what the mechanism costs; 1 is no cost.",
}

// placeImages copies images from outside dir into it and returns them as
// the index links them.
func placeImages(dir string, files []string) ([]image, error) {
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	rel := map[string]string{} // file → path relative to dir
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("html: %w", err)
		}
		r, err := filepath.Rel(absDir, abs)
		if err != nil || strings.HasPrefix(r, "..") {
			r = filepath.Base(f)
			if err := copyFile(abs, filepath.Join(dir, r)); err != nil {
				return nil, err
			}
		}
		rel[f] = filepath.ToSlash(r)
	}
	stem := func(p string) string { return strings.TrimSuffix(p, filepath.Ext(p)) }
	raster := map[string]bool{}
	for _, f := range files {
		switch strings.ToLower(filepath.Ext(f)) {
		case ".png", ".jpg", ".jpeg", ".gif":
			raster[stem(rel[f])] = true
		}
	}
	var out []image
	for _, f := range files {
		r := rel[f]
		if strings.ToLower(filepath.Ext(f)) == ".svg" {
			if raster[stem(r)] {
				continue // linked from its raster twin
			}
			out = append(out, image{Src: r, Alt: altText(r)})
			continue
		}
		img := image{Src: r, Alt: altText(r), Caption: captions[stem(filepath.Base(r))]}
		for _, g := range files {
			if strings.ToLower(filepath.Ext(g)) == ".svg" && stem(rel[g]) == stem(r) {
				img.SVG = rel[g]
			}
		}
		out = append(out, img)
	}
	return out, nil
}

func altText(p string) string {
	return strings.ReplaceAll(strings.TrimSuffix(filepath.Base(p), filepath.Ext(p)), "-", " ")
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("html: image: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("html: image: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("html: image %s: %w", src, err)
	}
	return out.Close()
}

// matrix is the conformance matrix: case rows grouped by pattern, one
// column per pairing × transport.
type matrix struct {
	Pairings []pairingHead // first header row
	Columns  []reports.Column
	Groups   []group
	Cases    []*caseInfo
}

type pairingHead struct {
	Pairing string
	Span    int
}

type group struct {
	Pattern string
	Rows    []*caseInfo
}

// caseInfo is one case: its page and its cells.
type caseInfo struct {
	ID, Title, Clause, Require, Pattern, File, Scenario string
	Grade                                               reports.Grade
	Cells                                               []cell // one per matrix column
}

// cell is one case × column; Records holds its repeats (usually one).
type cell struct {
	Column  reports.Column
	Anchor  string
	Records []*reports.Record
	Verdict reports.Verdict // most severe of Records; "" when none
	Unexp   bool
}

func buildMatrix(res *reports.Results) matrix {
	var m matrix
	m.Columns = res.Columns()
	colIdx := map[reports.Column]int{}
	for i, c := range m.Columns {
		colIdx[c] = i
		if n := len(m.Pairings); n > 0 && m.Pairings[n-1].Pairing == c.Pairing {
			m.Pairings[n-1].Span++
		} else {
			m.Pairings = append(m.Pairings, pairingHead{c.Pairing, 1})
		}
	}
	byID := map[string]*caseInfo{}
	for _, r := range res.Conformance() {
		ci := byID[r.Case]
		if ci == nil {
			ci = &caseInfo{ID: r.Case, Pattern: r.Pattern, File: pageName(r.Case), Cells: make([]cell, len(m.Columns))}
			for i, c := range m.Columns {
				ci.Cells[i] = cell{Column: c, Anchor: anchor(c)}
			}
			byID[r.Case] = ci
			m.Cases = append(m.Cases, ci)
		}
		// The first record with a field set describes the case.
		ci.Title = cmp.Or(ci.Title, r.Title)
		ci.Clause = cmp.Or(ci.Clause, r.Clause)
		ci.Require = cmp.Or(ci.Require, r.Require)
		ci.Grade = cmp.Or(ci.Grade, r.Grade)
		ci.Scenario = cmp.Or(ci.Scenario, r.File)
		c := &ci.Cells[colIdx[r.Column()]]
		c.Records = append(c.Records, r)
		if c.Verdict == "" || r.Verdict.Severity() > c.Verdict.Severity() {
			c.Verdict = r.Verdict
		}
		c.Unexp = c.Unexp || r.Unexpected
	}
	slices.SortFunc(m.Cases, func(a, b *caseInfo) int {
		return cmp.Or(cmp.Compare(a.Pattern, b.Pattern), cmp.Compare(a.ID, b.ID))
	})
	for _, c := range m.Cases {
		if n := len(m.Groups); n == 0 || m.Groups[n-1].Pattern != c.Pattern {
			m.Groups = append(m.Groups, group{Pattern: c.Pattern})
		}
		g := &m.Groups[len(m.Groups)-1]
		g.Rows = append(g.Rows, c)
	}
	return m
}

// pageName is a case's page file name: the id with anything but
// [A-Za-z0-9._-] replaced, so it is a safe file name and URL.
func pageName(id string) string { return safe(id) + ".html" }

// anchor is a column's fragment id on a case page.
func anchor(c reports.Column) string { return "c-" + safe(c.Pairing+"-"+c.Transport) }

func safe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

type indexData struct {
	Title      string
	Meta       reports.Meta
	Summary    reports.Summary
	Verdicts   []reports.Verdict
	Matrix     matrix
	Interop    interop
	Images     []image
	Perf       []perfRow
	Comparison *compare.Comparison
	Baseline   string
}

type caseData struct {
	Title      string
	Incomplete bool
	Case       *caseInfo
}

// fmtDuration rounds a duration for display.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
