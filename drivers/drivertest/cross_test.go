//go:build cgo

package drivertest_test

import (
	"testing"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"
	_ "github.com/zharness/zharness/drivers/libzmq"
)

// lookup returns the registered driver name or fails the test.
func lookup(t *testing.T, name string) drivers.Driver {
	t.Helper()
	d, err := drivers.Lookup(name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	return d
}

// Each test runs in a child process (inChild): an implementation that
// panics in its own goroutine ends the process, and should fail only the
// test that met it.

// TestGozmq checks the go-zeromq driver alone.
func TestGozmq(t *testing.T) {
	if inChild(t) {
		drivertest.Run(t, lookup(t, "gozmq"))
	}
}

// TestLibzmq checks the libzmq driver alone.
func TestLibzmq(t *testing.T) {
	if inChild(t) {
		drivertest.Run(t, lookup(t, "libzmq"))
	}
}

// TestCrossGozmqLibzmq checks messages between the two implementations in
// every arrangement, over the transports that can join two of them.
func TestCrossGozmqLibzmq(t *testing.T) {
	if !inChild(t) {
		return
	}
	drivertest.RunPair(t, lookup(t, "gozmq"), lookup(t, "libzmq"), drivers.TCP, drivers.IPC)
}

// TestCrossLibzmqGozmq is the same with the roles of a and b swapped, so a
// fault that depends on which driver is named first shows too.
func TestCrossLibzmqGozmq(t *testing.T) {
	if !inChild(t) {
		return
	}
	drivertest.RunPair(t, lookup(t, "libzmq"), lookup(t, "gozmq"), drivers.TCP, drivers.IPC)
}
