// Package libzmq drives libzmq, the reference ZeroMQ implementation, through
// the cgo binding github.com/pebbe/zmq4.
//
// It registers two drivers (decisions.md, ruling 9):
//
//   - "libzmq": the implementation itself. Conformance runs on it; its
//     throughput and latency loops are meant to run in C inside the driver.
//   - "libzmq-binding": the same socket operations made per message through
//     pebbe/zmq4, i.e. what a Go user of the binding gets.
//
// For conformance the two behave identically and share all code.
//
// Each socket has one owner goroutine that makes every libzmq call on it,
// because libzmq sockets are not thread-safe; the drivers.Socket methods
// may be called from any goroutine and are queued to the owner one at a
// time. Deadlines are enforced by libzmq itself: before each blocking call
// the driver sets RCVTIMEO or SNDTIMEO to the smaller of the scenario's own
// value and the time left before the context's deadline, so a timed-out
// call leaves any late message queued in libzmq for the next Recv.
//
// Because one goroutine makes all calls, a Send on a socket whose Recv is
// blocked waits for that Recv to end; if the Send's own deadline passes
// first it fails with KindTimeout without having run. A context that is
// cancelled (rather than past its deadline) stops a call only before it
// starts: libzmq cannot be interrupted once blocked.
//
// The package needs cgo and libzmq (pkg-config libzmq); built with
// CGO_ENABLED=0 it is empty and registers nothing.
package libzmq
