//go:build cgo

package libzmq

import (
	"context"
	"errors"
	"syscall"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// errnoOf extracts libzmq's errno from err, or 0.
func errnoOf(err error) zmq.Errno {
	var zn zmq.Errno
	if errors.As(err, &zn) {
		return zn
	}
	var sn syscall.Errno
	if errors.As(err, &sn) {
		return zmq.Errno(sn)
	}
	return 0
}

// isErrno reports whether err carries errno e.
func isErrno(err error, e syscall.Errno) bool { return errnoOf(err) == zmq.Errno(e) }

// mapErr classifies a libzmq error for op. The mapping follows what the
// errno means in libzmq's API:
//
//	EAGAIN                 → KindTimeout (RCVTIMEO/SNDTIMEO or the deadline ran out)
//	EFSM                   → KindInvalidState (e.g. REQ sending twice)
//	EHOSTUNREACH           → KindHostUnreachable (ROUTER_MANDATORY)
//	ETERM, ENOTSOCK,
//	binding's "closed"     → KindClosed
//	ENOTSUP                → KindNotAllowed: the socket type refuses the
//	                         operation (recv on PUB); behaviour, not a gap
//	                         in the API, so never KindUnsupported
//	anything else          → KindOther, keeping libzmq's message
//
// EINVAL from setsockopt is classified by optionErr, which knows the option.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, zmq.ErrorSocketClosed) || errors.Is(err, zmq.ErrorContextClosed) {
		return drivers.Errorf(drivers.KindClosed, op, err)
	}
	switch errnoOf(err) {
	case zmq.Errno(syscall.EAGAIN):
		return drivers.Errorf(drivers.KindTimeout, op, err)
	case zmq.EFSM:
		return drivers.Errorf(drivers.KindInvalidState, op, err)
	case zmq.EHOSTUNREACH:
		return drivers.Errorf(drivers.KindHostUnreachable, op, err)
	case zmq.ETERM, zmq.ENOTSOCK:
		return drivers.Errorf(drivers.KindClosed, op, err)
	case zmq.ENOTSUP:
		return drivers.Errorf(drivers.KindNotAllowed, op, err)
	}
	return drivers.Errorf(drivers.KindOther, op, err)
}

// closedErr is the error of any call on a closed socket.
func closedErr(op string) error { return drivers.Errorf(drivers.KindClosed, op, nil) }

// ctxErr is the error of a call whose context ended before the socket's
// owner could start it: a passed deadline is a timeout like EAGAIN; a
// cancellation is reported as such.
func ctxErr(op string, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return drivers.Errorf(drivers.KindTimeout, op, ctx.Err())
	}
	return drivers.Errorf(drivers.KindOther, op, ctx.Err())
}

// retryEINTR runs a libzmq call that does not block for long (bind,
// connect, setsockopt, socket) again when a signal interrupted it, which
// is what pebbe would do with its own EINTR retry, switched off here so the
// blocking calls can recompute their timeout instead (see socket.recv).
func retryEINTR(f func() error) error {
	for {
		err := f()
		if !isErrno(err, syscall.EINTR) {
			return err
		}
	}
}

// errEmptyMsg refuses a message with no frames.
var errEmptyMsg = errors.New("a message needs at least one frame")
