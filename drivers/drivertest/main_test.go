package drivertest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a check leaves a goroutine behind: every
// case must tear down what it started, even after a watchdog fired.
//
// Two goroutines of go-zeromq v0.17.0 itself outlive every Close, so they
// are ignored here (they are the implementation's leaks, not drivertest's):
//   - pubMWriter.run (pub.go): socket.Close never calls the writer's Close,
//     so the goroutine of every PUB socket waits on its sync.Cond forever;
//   - inproc conn.read (internal/inproc/conn.go): its blocking select
//     watches neither localDone nor remoteDone, so a read pending at Close
//     never returns (the reader of each inproc connection, and an accept
//     still in the greeting).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/go-zeromq/zmq4.(*pubMWriter).run"),
		goleak.IgnoreAnyFunction("github.com/go-zeromq/zmq4/internal/inproc.(*conn).read"),
	)
}
