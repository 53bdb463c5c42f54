package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML as Jenkins, GitLab and GitHub test reporters read it (the
// "Ant" dialect: testsuites > testsuite > testcase > failure|skipped).

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       float64         `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      float64       `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes the conformance records as JUnit XML: one <testsuite>
// per pairing × transport, one <testcase> per record. Unexpected verdicts
// (see Record.Unexpected) become <failure> carrying the requirement,
// clause, expected and actual outcomes, the event log and the command that
// reruns the case alone (ruling 7); UNIMPLEMENTED and N/A become
// <skipped>. Perf points that failed are listed in a "perf" suite so a
// broken benchmark is not silent in CI.
func WriteJUnit(w io.Writer, res *Results) error {
	meta := res.Header.Meta
	props := junitProps(meta)
	byCol := map[Column]*junitSuite{}
	var order []Column
	for _, c := range res.Columns() {
		byCol[c] = &junitSuite{Name: c.String(), Hostname: meta.Host, Properties: props}
		order = append(order, c)
	}
	for _, r := range res.Conformance() {
		s := byCol[r.Column()]
		if s.Timestamp == "" && !r.Start.IsZero() {
			s.Timestamp = r.Start.UTC().Format("2006-01-02T15:04:05")
		}
		tc := junitCase{
			Classname: r.Case,
			Name:      fmt.Sprintf("%s [%s %s]", r.Case, r.Pairing(), r.Transport),
			Time:      r.Duration.Seconds(),
			File:      r.File,
		}
		// The testcase fails exactly when the run does: when the verdict
		// differs from its expectation (a FAIL with no expectation among
		// them). A known deviation passes as a testcase, with its verdict
		// kept visible in system-out.
		switch {
		case r.Unexpected:
			tc.Failure = &junitMessage{Message: failureMessage(r), Type: string(r.Verdict), Body: failureBody(r)}
			s.Failures++
		case r.Verdict == Unimplemented || r.Verdict == NotApplicable:
			tc.Skipped = &junitMessage{Message: skipMessage(r)}
			s.Skipped++
		case r.Verdict != Pass:
			tc.SystemOut = string(r.Verdict) + ": " + failureBody(r)
		}
		s.Tests++
		s.Time += r.Duration.Seconds()
		s.Cases = append(s.Cases, tc)
	}
	if ps := perfSuite(res, props); ps != nil {
		byCol[Column{Pairing: "perf"}] = ps
		order = append(order, Column{Pairing: "perf"})
	}
	out := junitSuites{Name: "zharness"}
	for _, c := range order {
		s := byCol[c]
		out.Suites = append(out.Suites, *s)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Time += s.Time
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}

func junitProps(m Meta) []junitProperty {
	var p []junitProperty
	add := func(k, v string) {
		if v != "" {
			p = append(p, junitProperty{k, v})
		}
	}
	add("go_version", m.GoVersion)
	add("commit", m.Commit)
	add("command", strings.Join(m.Command, " "))
	if m.Incomplete {
		add("incomplete", "true")
	}
	return p
}

// failureMessage is the one line a CI summary shows.
func failureMessage(r *Record) string {
	var b strings.Builder
	b.WriteString(string(r.Verdict))
	if r.FailKind != "" {
		b.WriteString(" (" + string(r.FailKind) + ")")
	}
	if r.Clause != "" {
		b.WriteString(" " + r.Clause)
	}
	if r.Reason != "" {
		b.WriteString(": " + r.Reason)
	}
	if r.ExpectedVerdict == r.Verdict && !r.Unexpected {
		b.WriteString(" [expected per ci/expectations.yaml]")
	}
	return b.String()
}

// failureBody is the detail a CI page shows under the message.
func failureBody(r *Record) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("Requirement", r.Require)
	line("Clause", r.Clause)
	line("Grade", string(r.Grade))
	line("Reason", r.Reason)
	for _, e := range r.Expected {
		line("Expected", e)
	}
	line("Actual", r.Actual)
	line("Scenario", r.File)
	if len(r.Events) > 0 {
		b.WriteString("Events:\n")
		for _, e := range r.Events {
			fmt.Fprintf(&b, "  %10s %-8s %-8s %s", fmtAt(e.At), e.Role, e.Op, e.Detail)
			if e.Err != "" {
				fmt.Fprintf(&b, " err=%s", e.Err)
			}
			b.WriteByte('\n')
		}
	}
	line("Repro", r.Repro)
	return b.String()
}

func fmtAt(d time.Duration) string { return d.Round(time.Microsecond).String() }

func skipMessage(r *Record) string {
	if r.Reason == "" {
		return string(r.Verdict)
	}
	return string(r.Verdict) + ": " + r.Reason
}

// perfSuite lists perf points that failed; nil when none did.
func perfSuite(res *Results, props []junitProperty) *junitSuite {
	var s *junitSuite
	for _, r := range res.Perf() {
		if r.Perf.Error == "" {
			continue
		}
		if s == nil {
			s = &junitSuite{Name: "perf", Hostname: res.Header.Meta.Host, Properties: props}
		}
		s.Tests++
		s.Failures++
		s.Cases = append(s.Cases, junitCase{
			Classname: "perf." + r.Perf.Workload,
			Name:      benchName(r, 0),
			Time:      r.Duration.Seconds(),
			Failure:   &junitMessage{Message: "perf point failed: " + r.Perf.Error, Type: "ERROR", Body: r.Perf.Error},
		})
	}
	return s
}
