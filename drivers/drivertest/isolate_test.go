package drivertest_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// childEnv names the test a re-executed test binary should run for real.
const childEnv = "DRIVERTEST_CHILD"

// childTimeout bounds a child run; each case inside has its own watchdog,
// this only guards against the child itself wedging.
const childTimeout = 10 * time.Minute

// inChild runs body in a fresh copy of the test binary, so that a driver
// that crashes the process (a panic in an implementation's own goroutine,
// which no recover can catch) fails this test instead of killing every
// other one. It returns true in the child, where the caller runs the body.
func inChild(t *testing.T) bool {
	t.Helper()
	if os.Getenv(childEnv) == t.Name() {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("output of the isolated run:\n%s", out)
	if err != nil {
		t.Errorf("isolated run of %s: %v (see its output above)", t.Name(), err)
	}
	return false
}
