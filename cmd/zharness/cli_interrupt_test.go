package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zharness/zharness/reports"
)

// TestInterrupt starts the full default matrix with two workers, sends
// SIGINT once records are being written (as Ctrl-C would), and checks that
// zharness stops within 5 s with exit status 3, keeps the records so far in
// a file marked incomplete, leaves no process behind and no ipc files in
// its TMPDIR.
func TestInterrupt(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"conformance-jobs2", []string{"conformance", "--jobs", "2"}},
		{"conformance-jobs1", []string{"conformance", "--jobs", "1"}},
		{"run", []string{"run", "--report-dir", "rep"}},
	} {
		t.Run(c.name, func(t *testing.T) { interrupt(t, c.args) })
	}
}

func interrupt(t *testing.T, args []string) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	// Every process of this run inherits the tag, so strays can be found
	// even after they are reparented.
	tag := fmt.Sprintf("ZHARNESS_CLI_TEST_TAG=%d", time.Now().UnixNano())
	cmd := exec.Command(zhBin, append(args, "--results-dir", "res")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, tag)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		for _, p := range tagged(tag) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	})

	// Wait for the first records (the signal that specs are running),
	// then for the 3 s the issue names, bounded.
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for recordsWritten(filepath.Join(dir, "res")) < 1 {
		select {
		case err := <-done:
			t.Fatalf("zharness ended before any record (%v):\n%s\n%s", err, stdout.String(), stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no record within 60 s:\n%s", stderr.String())
		}
	}
	if d := 3*time.Second - time.Since(start); d > 0 {
		time.Sleep(d) // the scenario: Ctrl-C a few seconds in
	}
	children := tagged(tag)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after SIGINT (processes: %v)\nstderr:\n%s", describe(tagged(tag)), stderr.String())
	}
	took := time.Since(sent)
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	if ee, ok := waitErr.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	t.Logf("SIGINT after %s with %d descendant processes; exited %d after %s", sent.Sub(start).Round(time.Millisecond), len(children)-1, r.code, took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("took %s to stop after SIGINT, want ≤ 5 s", took)
	}
	if r.code != 3 {
		t.Errorf("want exit 3 (interrupted), got:\n%s", r)
	}
	if !strings.Contains(r.stderr, "interrupted") {
		t.Errorf("stderr does not say the run was interrupted:\n%s", r)
	}

	// Results so far, readable and marked incomplete.
	res, err := reports.ReadFile(filepath.Join(dir, "res", "results.jsonl"))
	if err != nil {
		t.Fatalf("results: %v", err)
	}
	if !res.Header.Meta.Incomplete {
		t.Error("results are not marked incomplete")
	}
	if len(res.Conformance()) < 1 {
		t.Error("no conformance record kept")
	}
	for _, rec := range res.Conformance() {
		if strings.Contains(rec.Actual, "interrupted") {
			t.Errorf("a spec cut short by the interrupt is recorded as a verdict about the implementation: %s [%s:%s %s] %s (%s): %s",
				rec.Case, rec.Subject, rec.Peer, rec.Transport, rec.Verdict, rec.FailKind, rec.Actual)
		}
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "res", "*.part*"))
	if len(parts) > 0 {
		t.Errorf("worker part files left: %v", parts)
	}
	if args[0] == "run" {
		if _, err := os.Stat(filepath.Join(dir, "rep", "index.html")); err != nil {
			t.Errorf("no report of the results so far: %v", err)
		}
	}

	// No process of the run survives it (give killed ones 1 s to go).
	var left []int
	for end := time.Now().Add(time.Second); ; {
		if left = tagged(tag); len(left) == 0 || time.Now().After(end) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Errorf("processes of the run still alive after it exited: %s", describe(left))
	}

	// Nothing left in TMPDIR: no ipc socket files, no endpoint directories.
	var litter []string
	_ = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != tmp {
			info, _ := d.Info()
			litter = append(litter, fmt.Sprintf("%s (%v)", strings.TrimPrefix(p, tmp+"/"), info.Mode().Type()))
		}
		return nil
	})
	if len(litter) > 0 {
		t.Errorf("left in TMPDIR: %s", strings.Join(litter, ", "))
	}
}

// recordsWritten counts record lines in the results files under dir (the
// workers' parts while a multi-worker run is going).
func recordsWritten(dir string) int {
	files, _ := filepath.Glob(filepath.Join(dir, "results.jsonl*"))
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if lines := bytes.Count(b, []byte("\n")); lines > 1 {
			n += lines - 1
		}
	}
	return n
}

// tagged lists live processes whose environment holds tag.
func tagged(tag string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if string(kv) == tag {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

func describe(pids []int) string {
	var b strings.Builder
	for _, p := range pids {
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		fmt.Fprintf(&b, "\n  %d: %s", p, strings.ReplaceAll(string(bytes.TrimRight(cl, "\x00")), "\x00", " "))
	}
	return b.String()
}
