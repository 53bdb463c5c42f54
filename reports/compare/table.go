package compare

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Format renders a metric value with a unit a reader takes in at a glance
// (2.10M msgs/s, 55.0µs).
func Format(v float64, unit string) string {
	if v == 0 || math.IsNaN(v) {
		return "-"
	}
	if strings.HasSuffix(unit, "-ns") {
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.3gs", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.3gms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.3gµs", v/1e3)
		}
		return fmt.Sprintf("%.3gns", v)
	}
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.3gG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.3gk", v/1e3)
	}
	return fmt.Sprintf("%.3g", v)
}

// Flag is the verdict column: "REGRESSION", "improvement" or "".
func (r Row) Flag() string {
	switch {
	case r.Regression:
		return "REGRESSION"
	case r.Improvement:
		return "improvement"
	}
	return ""
}

// PString is the corrected p-value and sample counts, "p=0.002 n=10+10".
func (r Row) PString() string {
	if !r.Tested {
		return fmt.Sprintf("n=%d+%d", r.BaseN, r.NewN)
	}
	if r.Pairs > 0 {
		return fmt.Sprintf("p=%.3g pairs=%d", r.PAdj, r.Pairs)
	}
	return fmt.Sprintf("p=%.3g n=%d+%d", r.PAdj, r.BaseN, r.NewN)
}

func (c *Comparison) cells() [][]string {
	rows := [][]string{{"point", "metric", "base", "new", "delta", "p (Holm)", ""}}
	for _, r := range c.Rows {
		rows = append(rows, []string{
			r.Point.String(), r.Metric.Unit,
			Format(r.BaseCenter, r.Metric.Unit), Format(r.NewCenter, r.Metric.Unit),
			r.Delta(), r.PString(), r.Flag(),
		})
	}
	return rows
}

// WriteText writes the comparison as an aligned plain-text table followed
// by the summary line.
func (c *Comparison) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range c.cells() {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, c.Summary())
	return err
}

// WriteMarkdown writes the comparison as a GitHub-flavoured markdown table
// followed by the summary line.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	for i, row := range c.cells() {
		for j := range row {
			row[j] = strings.ReplaceAll(row[j], "|", `\|`)
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
		if i == 0 {
			b.WriteString("|---|---|--:|--:|--:|---|---|\n")
		}
	}
	b.WriteString("\n" + c.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}
