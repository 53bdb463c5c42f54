package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/zharness/zharness/reports"
)

// runWorkers shards the specs across o.jobs worker processes of this
// binary (decisions.md, ruling 15), shows their combined progress, and
// merges their records into file. On SIGINT/SIGTERM the workers are told to
// stop, killed after 5 s, and whatever they wrote is kept, marked
// incomplete.
func runWorkers(o *conformanceOpts, file string, total int, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return internalErr(err)
	}
	n := min(o.jobs, total)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	type worker struct {
		cmd  *exec.Cmd
		part string
		log  *bytes.Buffer
		done chan error
	}
	var ws []*worker
	var parts []string
	for i := 1; i <= n; i++ {
		part := fmt.Sprintf("%s.part%d", file, i)
		_ = os.Remove(part)
		w := &worker{part: part, log: &bytes.Buffer{}, done: make(chan error, 1)}
		w.cmd = exec.Command(self, workerArgs(o, i, n, part)...)
		w.cmd.Stdout = io.Discard // Ginkgo's own output; records carry everything
		w.cmd.Stderr = w.log
		// Own process group: a terminal's Ctrl-C reaches only us, and we
		// decide how the workers stop.
		w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := w.cmd.Start(); err != nil {
			return internalErr(fmt.Errorf("start worker %d: %w", i, err))
		}
		go func() { w.done <- w.cmd.Wait() }()
		ws = append(ws, w)
		parts = append(parts, part)
	}
	prog := newProgress(stderr, "conformance", total, o.quiet)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	interrupted := false
	var failures []string
	for i := 0; i < len(ws); {
		w := ws[i]
		select {
		case err := <-w.done:
			if code := exitCode(err); code != exitOK && code != exitUnexpected {
				failures = append(failures, fmt.Sprintf("worker %d exited with %v: %s", i+1, err, tail(w.log.String(), 2000)))
			}
			i++
		case <-tick.C:
			prog.set(countRecords(parts))
		case <-ctx.Done():
			interrupted = true
			stop()
			for _, w := range ws {
				_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGINT)
			}
			go func() {
				time.Sleep(5 * time.Second)
				for _, w := range ws {
					_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
				}
			}()
			ctx = context.Background()
		}
	}
	prog.set(countRecords(parts))
	prog.finish()
	meta := runMeta()
	incomplete, err := reports.MergeFiles(file, meta, parts)
	if err != nil {
		return internalErr(err)
	}
	if incomplete || interrupted || len(failures) > 0 {
		meta.Incomplete = true
		if err := appendMeta(file, meta); err != nil {
			return internalErr(err)
		}
	}
	for _, p := range parts {
		_ = os.Remove(p)
	}
	if interrupted {
		return interruptedErr(file)
	}
	if len(failures) > 0 {
		return internalErr(fmt.Errorf("%s", strings.Join(failures, "\n")))
	}
	return nil
}

// appendMeta adds the trailing meta record that marks a file incomplete.
func appendMeta(file string, meta reports.Meta) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := jsonLine(&reports.Record{Type: reports.RecordMeta, Case: "meta", Meta: &meta})
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	return err
}

func workerArgs(o *conformanceOpts, i, n int, part string) []string {
	a := []string{"conformance", "--jobs=1", fmt.Sprintf("--shard=%d/%d", i, n), "--results-file=" + part,
		"--quiet", fmt.Sprintf("--time-scale=%g", o.timeScale), "--fail-on=" + strings.Join(o.failOn, ",")}
	if o.expectations != "" {
		abs, _ := filepath.Abs(o.expectations)
		a = append(a, "--expectations="+abs)
	}
	if o.inProcess {
		a = append(a, "--in-process")
	}
	if o.sel.allDrivers {
		a = append(a, "--all-drivers")
	}
	if o.sel.labelFilter != "" {
		a = append(a, "--label-filter="+o.sel.labelFilter)
	}
	add := func(flag string, vals []string) {
		for _, v := range vals {
			a = append(a, "--"+flag+"="+v)
		}
	}
	add("driver", o.sel.drivers)
	add("pair", o.sel.pairs)
	add("transport", o.sel.transports)
	add("pattern", o.sel.patterns)
	add("case", o.sel.cases)
	add("scenarios", o.sel.scenarios)
	return a
}

// countRecords counts finished specs and unexpected ones in the parts.
func countRecords(parts []string) (done, unexpected int) {
	for _, p := range parts {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for i, line := range bytes.Split(b, []byte("\n")) {
			if i == 0 || len(line) == 0 || bytes.Contains(line, []byte(`"type":"meta"`)) {
				continue
			}
			done++
			if bytes.Contains(line, []byte(`"unexpected":true`)) {
				unexpected++
			}
		}
	}
	return done, unexpected
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
