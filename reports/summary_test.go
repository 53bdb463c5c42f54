package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/reportstest"
)

func TestSummarize(t *testing.T) {
	t.Parallel()
	res := reportstest.Results()
	res.Header.Meta.Incomplete = true
	s := reports.Summarize(res)
	if got, want := s.Totals.Total(), len(res.Conformance()); got != want {
		t.Errorf("total: got %d, want %d", got, want)
	}
	if len(s.Rows) != len(reportstest.Drivers)*len(reportstest.Drivers)*len(reportstest.Transports) {
		t.Errorf("rows: got %d", len(s.Rows))
	}
	sum := 0
	for _, r := range s.Rows {
		if r.Counts.Total() != len(reportstest.Cases) {
			t.Errorf("%s: %d records, want one per case", r.Column, r.Counts.Total())
		}
		sum += r.Unexpected
	}
	if sum != s.Unexpected || s.Unexpected != 4 {
		t.Errorf("unexpected: rows sum %d, total %d, want 4", sum, s.Unexpected)
	}
	// libzmq:gozmq over inproc is N/A for every case.
	for _, r := range s.Rows {
		if r.Pairing == "libzmq:gozmq" && r.Transport == "inproc" && r.Counts[reports.NotApplicable] != len(reportstest.Cases) {
			t.Errorf("libzmq:gozmq inproc: %v", r.Counts)
		}
	}
	var buf bytes.Buffer
	if err := reports.WriteSummary(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	t.Log("\n" + out)
	for _, want := range []string{"PAIRING", "NON-STRICT", "gozmq:libzmq", "INCOMPLETE", "perf points: "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if n := strings.Count(out, "\n"); n != len(s.Rows)+4 {
		t.Errorf("summary has %d lines, want header + %d rows + total + perf + incomplete", n, len(s.Rows))
	}
}
