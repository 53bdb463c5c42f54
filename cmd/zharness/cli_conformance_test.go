package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/reports"
)

const oneSpec = "reqrep.basic-round-trip"

// TestConformanceOneSpec runs one spec isolated in a child process, as a
// default run does, and checks every output it writes.
func TestConformanceOneSpec(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := zh(t, dir, 30*time.Second, "conformance", "--case", oneSpec, "--pair", "libzmq:libzmq", "--transport", "tcp",
		"--jobs", "1", "--results-dir", "res", "--junit", "junit.xml", "--json", "out.jsonl")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "libzmq:libzmq") || !strings.Contains(r.stdout, "results: res/results.jsonl") {
		t.Errorf("no summary on stdout:\n%s", r)
	}

	res := readResults(t, filepath.Join(dir, "res", "results.jsonl"))
	if res.Header.Meta.Incomplete {
		t.Error("a finished run is marked incomplete")
	}
	recs := res.Conformance()
	if len(recs) != 1 {
		t.Fatalf("want 1 record, got %d", len(recs))
	}
	rec := recs[0]
	if rec.Case != oneSpec || rec.Subject != "libzmq" || rec.Peer != "libzmq" || rec.Transport != "tcp" || rec.Verdict != reports.Pass || rec.Unexpected {
		t.Errorf("record %+v", rec)
	}
	if v := res.Header.Meta.Drivers["libzmq"]; !strings.Contains(v, "4.") {
		t.Errorf("header lacks the libzmq version: %q", v)
	}

	// --json writes the same records.
	js := readResults(t, filepath.Join(dir, "out.jsonl"))
	if len(js.Conformance()) != 1 || js.Conformance()[0].Case != oneSpec {
		t.Errorf("--json file has %d records", len(js.Conformance()))
	}

	// --junit: one testcase per spec, classname = case id, passing.
	j := readJUnit(t, filepath.Join(dir, "junit.xml"))
	n := 0
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			n++
			if c.Classname != oneSpec {
				t.Errorf("classname %q, want %q", c.Classname, oneSpec)
			}
			if c.Failure != nil || c.Skipped != nil {
				t.Errorf("a PASS testcase has failure/skipped: %+v", c)
			}
		}
	}
	if n != 1 || j.Tests != 1 {
		t.Errorf("want 1 testcase (tests=1), got %d (tests=%d)", n, j.Tests)
	}
}

// TestConformanceJUnitMatrix checks JUnit on several specs, including N/A
// ones (skipped) and two workers (--jobs 2, merged).
func TestConformanceJUnitMatrix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := zh(t, dir, 40*time.Second, "conformance", "--case", oneSpec, "--case", "reqrep.req-round-robin",
		"--jobs", "2", "--in-process", "--results-dir", "res", "--junit", "junit.xml", "--quiet")
	if r.code != 0 && r.code != 1 {
		t.Fatalf("want exit 0 or 1 (verdicts depend on the implementations):\n%s", r)
	}
	res := readResults(t, filepath.Join(dir, "res", "results.jsonl"))
	recs := res.Conformance()
	j := readJUnit(t, filepath.Join(dir, "junit.xml"))
	type key struct{ class, name string }
	seen := map[key]bool{}
	skipped, failed := 0, 0
	for _, s := range j.Suites {
		for _, c := range s.Cases {
			if c.Classname != oneSpec && c.Classname != "reqrep.req-round-robin" {
				t.Errorf("classname %q is not a selected case id", c.Classname)
			}
			k := key{c.Classname, s.Name + "/" + c.Name}
			if seen[k] {
				t.Errorf("testcase %v twice", k)
			}
			seen[k] = true
			if c.Skipped != nil {
				skipped++
			}
			if c.Failure != nil {
				failed++
				if !strings.Contains(c.Failure.Body, "rerun:") && !strings.Contains(c.Failure.Body, "zharness conformance --case") {
					t.Errorf("failure without a rerun command: %q", c.Failure.Body)
				}
			}
		}
	}
	if len(seen) != len(recs) || j.Tests != len(recs) {
		t.Errorf("%d testcases (tests=%d) for %d records", len(seen), j.Tests, len(recs))
	}
	var na, unexpected int
	for _, rec := range recs {
		if rec.Verdict == reports.NotApplicable || rec.Verdict == reports.Unimplemented {
			na++
		}
		if rec.Unexpected {
			unexpected++
		}
	}
	if na == 0 {
		t.Error("the default matrix has N/A cells (inproc across drivers); none recorded")
	}
	if skipped != na || failed != unexpected {
		t.Errorf("JUnit skipped=%d failed=%d; records N/A+UNIMPLEMENTED=%d unexpected=%d", skipped, failed, na, unexpected)
	}
	if (unexpected > 0) != (r.code == 1) {
		t.Errorf("exit %d with %d unexpected records", r.code, unexpected)
	}
}

// TestConformanceUnexpectedPass: an expectation of FAIL for a case that
// passes makes the run fail, so fixed bugs are noticed.
func TestConformanceUnexpectedPass(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	exp := writeFile(t, dir, "exp.yaml", `expectations:
  - case: `+oneSpec+`
    subject: libzmq
    transport: tcp
    verdict: FAIL
    reason: test fixture, deliberately wrong
    evidence: cmd/zharness/cli_conformance_test.go
`)
	r := zh(t, dir, 30*time.Second, "conformance", "--case", oneSpec, "--pair", "libzmq:libzmq", "--transport", "tcp",
		"--jobs", "1", "--in-process", "--results-dir", "res", "--expectations", exp, "--junit", "junit.xml")
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "UNEXPECTED "+oneSpec) || !strings.Contains(r.stdout, "expected FAIL") {
		t.Errorf("the unexpected pass is not explained:\n%s", r)
	}
	rec := readResults(t, filepath.Join(dir, "res", "results.jsonl")).Conformance()[0]
	if rec.Verdict != reports.Pass || !rec.Unexpected || rec.ExpectedVerdict != reports.Fail {
		t.Errorf("record %+v", rec)
	}
	j := readJUnit(t, filepath.Join(dir, "junit.xml"))
	if len(j.Suites) != 1 || len(j.Suites[0].Cases) != 1 || j.Suites[0].Cases[0].Failure == nil {
		t.Errorf("an unexpected pass is a JUnit failure: %+v", j)
	}

	// The same expectation with the right verdict passes.
	ok := writeFile(t, dir, "ok.yaml", strings.Replace(mustRead(t, exp), "verdict: FAIL", "verdict: PASS", 1))
	r = zh(t, dir, 30*time.Second, "conformance", "--case", oneSpec, "--pair", "libzmq:libzmq", "--transport", "tcp",
		"--jobs", "1", "--in-process", "--results-dir", "res", "--expectations", ok, "--quiet")
	wantCode(t, r, 0)
}

// TestConformanceFaultyFails: a driver that drops messages makes the case
// fail, and without expectations the run exits 1.
func TestConformanceFaultyFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pair := "faulty:drop=2/libzmq:faulty:drop=2/libzmq"
	r := zh(t, dir, 40*time.Second, "conformance", "--case", oneSpec, "--pair", pair, "--transport", "tcp",
		"--jobs", "1", "--results-dir", "res", "--junit", "junit.xml")
	wantCode(t, r, 1)
	recs := readResults(t, filepath.Join(dir, "res", "results.jsonl")).Conformance()
	if len(recs) != 1 || recs[0].Verdict != reports.Fail || !recs[0].Unexpected {
		t.Fatalf("records %+v", recs)
	}
	if want := "zharness conformance --case " + oneSpec + " --pair " + pair + " --transport tcp"; recs[0].Repro != want {
		t.Errorf("repro %q, want %q", recs[0].Repro, want)
	}
	if !strings.Contains(r.stdout, "rerun:") {
		t.Errorf("no rerun command in the output:\n%s", r)
	}
	j := readJUnit(t, filepath.Join(dir, "junit.xml"))
	c := j.Suites[0].Cases[0]
	if c.Failure == nil || c.Failure.Message == "" || !strings.Contains(c.Failure.Body, "Expected: recv succeeds") || !strings.Contains(c.Failure.Body, "Actual: ") {
		t.Errorf("JUnit failure lacks message/expected/actual: %+v", c.Failure)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
