//go:build cgo

package conformance

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
)

const roundTrip = `
id: test.round-trip
title: a round trip
clause: RFC 28 §REQ-1
grade: MUST
requirement: A request gets its reply.
pattern: reqrep
subject: req
timeout: 2s
roles:
  rep: {type: REP, bind: ep}
  req: {type: REQ, connect: ep}
steps:
  - send: {socket: req, frames: [q]}
  - recv: {socket: rep, frames: [q]}
  - send: {socket: rep, frames: [a]}
  - recv: {socket: req, frames: [a]}
`

// TestIsolationContainsProcessFaults runs a spec whose subject panics in
// its own goroutine, exits, or deadlocks, each in an isolated child, and
// checks that each becomes a FAIL of the right kind with the child's
// evidence, within a bounded time, while a clean spec still passes.
func TestIsolationContainsProcessFaults(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rt.yaml")
	if err := os.WriteFile(file, []byte(roundTrip), 0o644); err != nil {
		t.Fatal(err)
	}
	cases, err := scenarios.LoadPaths(file)
	if err != nil {
		t.Fatal(err)
	}
	iso := &Isolation{Scenarios: []string{file}, Command: func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "ZH_SPEC_CHILD=1")
		return cmd
	}}
	for _, tc := range []struct {
		subject string
		kind    reports.FailKind
		verdict reports.Verdict
		stderr  string
	}{
		{"libzmq", "", reports.Pass, ""},
		{"faulty:panic=1/libzmq", reports.KindCrash, reports.Fail, "injected panic"},
		{"faulty:exit=1/libzmq", reports.KindCrash, reports.Fail, "injected os.Exit(3)"},
		{"faulty:segv=1/libzmq", reports.KindCrash, reports.Fail, "SIGSEGV"},
		{"faulty:hang=1/libzmq", reports.KindHang, reports.Fail, ""},
	} {
		t.Run(tc.subject, func(t *testing.T) {
			if _, err := drivers.Lookup(tc.subject); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			rec := runIsolated(context.Background(), iso, Spec{Case: cases[0], Subject: tc.subject, Peer: "libzmq", Transport: drivers.TCP}, 1)
			took := time.Since(start)
			if rec.Verdict != tc.verdict || rec.FailKind != tc.kind {
				t.Fatalf("got %s (%s): %s, want %s (%s)", rec.Verdict, rec.FailKind, rec.Actual, tc.verdict, tc.kind)
			}
			if limit := cases[0].Timeout + childSlack + 2*time.Second; took > limit {
				t.Errorf("took %s, want at most %s", took, limit)
			}
			if tc.stderr != "" && (len(rec.Events) == 0 || !strings.Contains(rec.Events[len(rec.Events)-1].Detail, tc.stderr)) {
				t.Errorf("event log lacks the child's stderr %q: %+v", tc.stderr, rec.Events)
			}
			t.Logf("%s: %s %s in %s", tc.subject, rec.Verdict, rec.FailKind, took.Round(time.Millisecond))
		})
	}
}
