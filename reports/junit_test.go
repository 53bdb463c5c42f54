package reports_test

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/reportstest"
)

// The JUnit shape CI tools read, parsed back independently of the writer's
// own types.
type jSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string  `xml:"name,attr"`
		Tests    int     `xml:"tests,attr"`
		Failures int     `xml:"failures,attr"`
		Skipped  int     `xml:"skipped,attr"`
		Time     float64 `xml:"time,attr"`
		Cases    []struct {
			Classname string  `xml:"classname,attr"`
			Name      string  `xml:"name,attr"`
			Time      float64 `xml:"time,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestWriteJUnit(t *testing.T) {
	t.Parallel()
	res := reportstest.Results()
	var buf bytes.Buffer
	if err := reports.WriteJUnit(&buf, res); err != nil {
		t.Fatal(err)
	}
	var got jSuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("output is not XML: %v\n%s", err, buf.String()[:500])
	}
	conf := res.Conformance()
	cols := res.Columns()
	// One suite per pairing × transport, plus "perf" for the failed point.
	if len(got.Suites) != len(cols)+1 || got.Suites[len(got.Suites)-1].Name != "perf" {
		t.Fatalf("suites: got %d, want %d + perf", len(got.Suites), len(cols))
	}
	var wantFail, wantSkip, cases int
	for _, r := range conf {
		switch {
		case r.Unexpected:
			// A testcase fails exactly when its verdict was unexpected;
			// a known (expected) FAIL passes with its verdict in system-out.
			wantFail++
		case r.Verdict == reports.Unimplemented || r.Verdict == reports.NotApplicable:
			wantSkip++
		}
	}
	byName := map[string]bool{}
	var fails, skips int
	for i, s := range got.Suites[:len(cols)] {
		if s.Name != cols[i].String() {
			t.Errorf("suite %d: name %q, want %q", i, s.Name, cols[i])
		}
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s: tests=%d but %d testcases", s.Name, s.Tests, len(s.Cases))
		}
		for _, c := range s.Cases {
			cases++
			byName[c.Name] = true
			if !strings.HasPrefix(c.Name, c.Classname+" [") || c.Time <= 0 {
				t.Errorf("testcase %q classname %q time %v", c.Name, c.Classname, c.Time)
			}
			if f := c.Failure; f != nil {
				fails++
				if f.Type == "" {
					t.Errorf("%s: failure type %q", c.Name, f.Type)
				}
				for _, want := range []string{"Requirement: ", "Clause: RFC", "Expected: ", "Actual: ", "Repro: zharness run --case " + c.Classname} {
					if !strings.Contains(f.Body, want) {
						t.Errorf("%s: failure body lacks %q:\n%s", c.Name, want, f.Body)
					}
				}
			}
			if c.Skipped != nil {
				skips++
				if c.Skipped.Message == "" {
					t.Errorf("%s: skipped without a message", c.Name)
				}
			}
		}
	}
	if cases != len(conf) || fails != wantFail || skips != wantSkip {
		t.Errorf("testcases/failures/skipped: got %d/%d/%d, want %d/%d/%d", cases, fails, skips, len(conf), wantFail, wantSkip)
	}
	if got.Tests != len(conf)+1 || got.Failures != wantFail+1 || got.Skipped != wantSkip {
		t.Errorf("totals: got %d/%d/%d", got.Tests, got.Failures, got.Skipped)
	}
	if !byName["reqrep.req-round-robin [gozmq:libzmq tcp]"] {
		t.Error("missing testcase name in the documented form")
	}
	if wantFail == 0 || wantSkip == 0 {
		t.Fatal("sample lacks failures or skips; the test proves nothing")
	}
}
