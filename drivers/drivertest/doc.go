// Package drivertest checks that a drivers.Driver keeps the driver
// contract, in the manner of testing/fstest.TestFS and nettest.TestConn.
//
// Run checks one driver with both ends of every connection on it; RunPair
// checks the message paths with one end on each of two drivers, in every
// arrangement (each driver binding and connecting, each driver on each side
// of the pattern). Both are thin wrappers that turn the cases of Evaluate
// into subtests; Check and Evaluate need no *testing.T, so the zharness CLI
// can validate a driver outside go test.
//
// The checks cover: single-frame and multipart messages (with an empty
// frame and a 1 MiB frame) arriving intact and in order for REQ/REP,
// PUB/SUB, PUSH/PULL, PAIR and DEALER/ROUTER on every shared transport;
// ROUTER identity frames and reply routing; Recv timeouts (KindTimeout, no
// earlier than the deadline, at most 100 ms after it, decisions.md ruling
// 4); KindClosed after Close and after Context.Close; KindUnsupported for
// anything outside the driver's Capabilities; cleanup of the ipc
// directory; and, for drivers declaring the plain, curve and zap features,
// the security cases of security.go (a PLAIN or CURVE client exchanging
// messages with its server, with the server binding and connecting; a
// wrong CURVE server key or credentials a ZAP handler refuses letting
// nothing through).
//
// Every call that can block is given a deadline, and every case runs under
// a watchdog that closes the case's contexts when the case overruns, so a
// misbehaving driver yields a failure rather than a hung test.
//
// Stance: drivertest aims for no false positives, and accepts false
// negatives. Each reported failure is a behaviour the contract forbids,
// observed directly (a wrong frame, a wrong error kind, a deadline missed
// beyond its stated slack); passing proves only that these particular
// exchanges behaved, not that the driver is correct. The one judgement that
// depends on the machine is the 100 ms upper bound on a timeout, which a
// heavily loaded host can breach; the measured overshoot is reported so a
// reader can tell a slow machine from a broken driver.
//
// Run it under the race detector (go test -race): the contract says socket
// methods may be called from any goroutine, and several checks drive one
// socket's sender and another's receiver concurrently.
package drivertest
