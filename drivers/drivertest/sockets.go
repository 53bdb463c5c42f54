package drivertest

import (
	"fmt"
	"time"

	"github.com/zharness/zharness/drivers"
)

// side is one socket of a case with the name failures give it.
type side struct {
	sock drivers.Socket
	name string // role@driver, e.g. "REP@gozmq"
}

// newSocket creates a socket of type t in c and checks that it reports t.
func (r *run) newSocket(c *trackedContext, d drivers.Driver, t drivers.SocketType) (side, bool) {
	s := side{name: fmt.Sprintf("%s@%s", t, d.Name())}
	sock, err := c.NewSocket(t)
	if err != nil {
		r.fail(s.name, "NewSocket", describeErr(err), "a socket")
		return s, false
	}
	s.sock = sock
	if got := sock.Type(); got != t {
		r.fail(s.name, "Type", string(got), string(t))
	}
	return s, true
}

// send sends m, bounded by CallTimeout, and records any error.
func (r *run) send(s side, m drivers.Msg, op string) bool {
	ctx, cancel := bounded(r.opts.CallTimeout)
	defer cancel()
	if err := s.sock.Send(ctx, m); err != nil {
		r.fail(s.name, op, describeErr(err), "nil (sent within "+r.opts.CallTimeout.String()+")")
		return false
	}
	return true
}

// recv receives a message, bounded by CallTimeout, and records any error.
func (r *run) recv(s side, op string) (drivers.Msg, bool) {
	return r.recvFor(s, r.opts.CallTimeout, op)
}

// recvFor receives a message, bounded by d, and records any error.
func (r *run) recvFor(s side, d time.Duration, op string) (drivers.Msg, bool) {
	ctx, cancel := bounded(d)
	defer cancel()
	m, err := s.sock.Recv(ctx)
	if err != nil {
		r.fail(s.name, op, describeErr(err), "a message within "+d.String())
		return nil, false
	}
	return m, true
}

// recvWithin receives with deadline d. A timeout is not a failure (the
// caller is polling) and returns false, false; any other error is
// recorded and returns false, true.
func (r *run) recvWithin(s side, d time.Duration, op string) (m drivers.Msg, ok, failed bool) {
	ctx, cancel := bounded(d)
	defer cancel()
	m, err := s.sock.Recv(ctx)
	switch {
	case err == nil:
		return m, true, false
	case drivers.KindOf(err) == drivers.KindTimeout:
		return nil, false, false
	}
	r.fail(s.name, op, describeErr(err), "a message or error of kind timeout")
	return nil, false, true
}

// expect records a failure unless got equals want.
func (r *run) expect(s side, op string, got, want drivers.Msg) bool {
	if got.Equal(want) {
		return true
	}
	r.fail(s.name, op, describeMsg(got), describeMsg(want))
	return false
}

// bind and connect record errors and report success.
func (r *run) bind(s side, ep string) bool {
	if err := s.sock.Bind(ep); err != nil {
		r.fail(s.name, "Bind("+ep+")", describeErr(err), "nil")
		return false
	}
	return true
}

func (r *run) connect(s side, ep string) bool {
	if err := s.sock.Connect(ep); err != nil {
		r.fail(s.name, "Connect("+ep+")", describeErr(err), "nil")
		return false
	}
	return true
}

// nth names the i-th (0-based) of n messages in an operation.
func nth(op string, i, n int) string { return fmt.Sprintf("%s message %d of %d", op, i+1, n) }
