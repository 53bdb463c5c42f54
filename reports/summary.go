package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Counts is a number of records per verdict.
type Counts map[Verdict]int

// Total is the sum over all verdicts.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// SummaryRow is the verdict count of one pairing × transport.
type SummaryRow struct {
	Column
	Counts     Counts
	Unexpected int // records whose verdict differs from ci/expectations.yaml
}

// Summary counts verdicts per pairing × transport and in total.
type Summary struct {
	Rows       []SummaryRow // in Results.Columns order
	Totals     Counts
	Unexpected int
	PerfPoints int // perf records, failed ones included
	PerfFailed int // perf records with an error
	Incomplete bool
}

// Summarize counts the verdicts of res.
func Summarize(res *Results) Summary {
	s := Summary{Totals: Counts{}, Incomplete: res.Header.Meta.Incomplete}
	idx := map[Column]int{}
	for i, c := range res.Columns() {
		idx[c] = i
		s.Rows = append(s.Rows, SummaryRow{Column: c, Counts: Counts{}})
	}
	for _, r := range res.Conformance() {
		row := &s.Rows[idx[r.Column()]]
		row.Counts[r.Verdict]++
		s.Totals[r.Verdict]++
		if r.Unexpected {
			row.Unexpected++
			s.Unexpected++
		}
	}
	for _, r := range res.Perf() {
		s.PerfPoints++
		if r.Perf.Error != "" {
			s.PerfFailed++
		}
	}
	return s
}

// WriteSummary prints s as a plain-text table for the console: one row
// per pairing × transport, a column per verdict, then the totals.
func WriteSummary(w io.Writer, s Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"PAIRING", "TRANSPORT"}
	for _, v := range AllVerdicts {
		head = append(head, string(v))
	}
	head = append(head, "TOTAL", "UNEXPECTED")
	// AlignRight needs a trailing tab so the last column is aligned too.
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	row := func(a, b string, c Counts, unexpected int) {
		cells := []string{a, b}
		for _, v := range AllVerdicts {
			cells = append(cells, fmt.Sprint(c[v]))
		}
		cells = append(cells, fmt.Sprint(c.Total()), fmt.Sprint(unexpected))
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	for _, r := range s.Rows {
		row(r.Pairing, r.Transport, r.Counts, r.Unexpected)
	}
	row("all", "", s.Totals, s.Unexpected)
	if err := tw.Flush(); err != nil {
		return err
	}
	if s.PerfPoints > 0 {
		fmt.Fprintf(w, "perf points: %d (%d failed)\n", s.PerfPoints, s.PerfFailed)
	}
	if s.Incomplete {
		_, err := fmt.Fprintln(w, "INCOMPLETE: the run was interrupted; counts cover only what finished.")
		return err
	}
	return nil
}
