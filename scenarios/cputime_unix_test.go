//go:build unix

package scenarios_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Bounds on it hold on a
// loaded machine, where wall-clock bounds would be flaky.
func cpuTime() time.Duration {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return 0
	}
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
