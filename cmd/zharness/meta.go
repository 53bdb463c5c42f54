package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// runMeta describes this run for the results header.
func runMeta() reports.Meta {
	host, _ := os.Hostname()
	m := reports.Meta{
		Started: time.Now().UTC(), Host: host, CPUs: runtime.NumCPU(),
		GoVersion: runtime.Version(), Commit: commit, Command: os.Args,
		Drivers: map[string]string{},
	}
	if m.Commit == "" {
		// Running from a checkout: record its commit if git is there.
		if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
			m.Commit = strings.TrimSpace(string(out))
		}
	}
	for _, n := range drivers.Names() {
		// An opt-in driver (an agent in another runtime) costs a process
		// start to look up: only those the command line names.
		named := slices.ContainsFunc(os.Args, func(a string) bool { return strings.Contains(a, n) || a == "--all-drivers" })
		if drivers.IsOptIn(n) && !named {
			continue
		}
		if d, err := drivers.Lookup(n); err == nil {
			m.Drivers[n] = d.Version()
		}
	}
	return m
}

func jsonLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func openFile(path string) (*os.File, error) { return os.Open(path) }
