package conformance

import (
	"bytes"
	"context"
	"encoding/json"

	"flag"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
)

// Isolation runs every spec in a child process, so an implementation that
// crashes the process (a panic in its own goroutine, a segfault in C) or
// deadlocks beyond every deadline costs one FAIL (crash or hang) instead of
// the run. The child is this program again, started by Command with the
// arguments ChildMain parses.
type Isolation struct {
	// Command builds the child's command line from ChildMain's arguments.
	Command func(args ...string) *exec.Cmd
	// Scenarios are the paths the cases were loaded from (empty: embedded),
	// so the child loads the same case.
	Scenarios []string
}

// childSlack is how long past the case's own timeout a child may take
// (start-up, cleanup) before it is declared hung.
const childSlack = 5 * time.Second

// runIsolated runs s in a child process and returns its record, or a FAIL
// record of kind crash or hang with the child's stderr tail and status.
func runIsolated(ctx context.Context, iso *Isolation, s Spec, timeScale float64) *reports.Record {
	args := []string{"--case", s.Case.ID, "--subject", s.Subject, "--peer", s.Peer, "--transport", string(s.Transport),
		"--time-scale", fmt.Sprint(timeScale)}
	if len(iso.Scenarios) == 0 {
		// Only the file that holds the case: parsing every scenario in
		// each child would cost more than running most specs.
		args = append(args, "--embedded-file", strings.TrimPrefix(s.Case.Pos.File, "scenarios/"))
	}
	for _, p := range iso.Scenarios {
		args = append(args, "--scenarios", p)
	}
	cmd := iso.Command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &limitedBuffer{max: 64 << 10, buf: &stderr}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	limit := time.Duration(float64(s.Case.Timeout)*max(timeScale, 1)) + childSlack
	if err := cmd.Start(); err != nil {
		rec := childFailure(s, reports.KindCrash, "could not start the child process: "+err.Error(), start)
		rec.Verdict = "" // a harness problem, not a verdict
		rec.Reason = "harness error: " + err.Error()
		return rec
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var waitErr error
	hung := false
	select {
	case waitErr = <-done:
	case <-time.After(limit):
		hung = true
	case <-ctx.Done():
		hung = true
	}
	if hung {
		// Kill the whole group: the child may have started helpers.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		waitErr = <-done
		why := fmt.Sprintf("the child process did not finish within %s and was killed", limit)
		if ctx.Err() != nil {
			why = "the run was interrupted; the child process was killed"
		}
		return childFailure(s, reports.KindHang, why+"\nstderr (start and end):\n"+tail(stderr.String()), start)
	}
	var rec reports.Record
	if err := json.Unmarshal(lastLine(stdout.Bytes()), &rec); err != nil || rec.Case != s.Case.ID {
		status := "exit status 0"
		if waitErr != nil {
			status = waitErr.Error()
		}
		return childFailure(s, reports.KindCrash, fmt.Sprintf("the process running the spec died (%s) before reporting a verdict\nstderr (start and end):\n%s", status, tail(stderr.String())), start)
	}
	return &rec
}

func childFailure(s Spec, kind reports.FailKind, detail string, start time.Time) *reports.Record {
	c := s.Case
	return &reports.Record{
		Type: reports.RecordConformance, Case: c.ID, Title: c.Title, Clause: c.Clause, Grade: c.Grade,
		Require: c.Requirement, Pattern: c.Pattern, Subject: s.Subject, Peer: s.Peer,
		Transport: string(s.Transport), File: c.Pos.String(), Repro: Repro(s),
		Verdict: reports.Fail, FailKind: kind, Expected: []string{"the implementation survives the case"},
		Actual: firstLine(detail), Start: start, Duration: time.Since(start),
		Events: []reports.Event{{At: time.Since(start), Op: string(kind), Detail: detail}},
	}
}

// ChildMain runs one spec and writes its record as one JSON line to
// stdout. It is what an isolated spec's child process executes.
func ChildMain(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("spec-child", flag.ContinueOnError)
	id := fs.String("case", "", "case id")
	subject := fs.String("subject", "", "subject driver")
	peer := fs.String("peer", "", "peer driver")
	transport := fs.String("transport", "", "transport")
	scale := fs.Float64("time-scale", 1, "time scale")
	embedded := fs.String("embedded-file", "", "the embedded scenario file that holds the case")
	var paths multiFlag
	fs.Var(&paths, "scenarios", "scenario paths")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cases []*scenarios.Case
	var err error
	switch {
	case *embedded != "":
		cases, err = scenarios.LoadEmbeddedFile(*embedded)
	case len(paths) == 0:
		cases, err = scenarios.LoadDefault()
	default:
		cases, err = scenarios.LoadPaths(paths...)
	}
	if err != nil {
		return err
	}
	var c *scenarios.Case
	for _, x := range cases {
		if x.ID == *id {
			c = x
		}
	}
	if c == nil {
		return fmt.Errorf("no case %q", *id)
	}
	sd, err := drivers.Lookup(*subject)
	if err != nil {
		return err
	}
	pd, err := drivers.Lookup(*peer)
	if err != nil {
		return err
	}
	tr, err := drivers.ParseTransport(*transport)
	if err != nil {
		return err
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		return err
	}
	defer eps.Close()
	rec := scenarios.Run(context.Background(), c, scenarios.Pairing{Subject: sd, Peer: pd}, tr,
		scenarios.Options{Endpoints: eps, TimeScale: *scale, Repro: Repro(Spec{Case: c, Subject: *subject, Peer: *peer, Transport: tr})})
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(b, '\n'))
	return err
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// limitedBuffer keeps at most max bytes, dropping the oldest half when full,
// so a child that floods stderr cannot exhaust memory.
type limitedBuffer struct {
	max int
	buf *bytes.Buffer
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.buf.Len()+len(p) > l.max {
		keep := l.buf.Bytes()[l.buf.Len()/2:]
		rest := append([]byte(nil), keep...)
		l.buf.Reset()
		l.buf.Write(rest)
	}
	if len(p) > l.max {
		p = p[len(p)-l.max:]
	}
	l.buf.Write(p)
	return len(p), nil
}

func lastLine(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// tail keeps the start and the end of a child's stderr: a Go crash dump
// names its cause (panic, SIGSEGV) first and the goroutines after.
func tail(s string) string {
	const half = 1500
	s = strings.TrimSpace(s)
	if s == "" {
		return "(empty)"
	}
	if len(s) > 2*half {
		return s[:half] + "\n…\n" + s[len(s)-half:]
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
