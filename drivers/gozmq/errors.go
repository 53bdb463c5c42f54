package gozmq

import (
	"context"
	"errors"
	"strings"

	"github.com/zharness/zharness/drivers"
)

// classify maps an error returned by go-zeromq onto a drivers kind. closed
// says whether this driver socket was closed, in which case anything the
// library returns is the consequence of the close.
//
// go-zeromq exports no sentinel for "this socket type cannot do that": PUB
// and PUSH return fmt.Errorf("zmq4: PUB|PUSH sockets can't recv messages")
// (pub.go, push.go) and PULL returns "zmq4: PULL sockets can't send
// messages" (pull.go), so those are recognised by text. Everything else
// keeps the library's message under KindOther.
func classify(op string, err error, closed bool) error {
	if err == nil {
		return nil
	}
	switch {
	case closed:
		return drivers.Errorf(drivers.KindClosed, op, err)
	case errors.Is(err, context.DeadlineExceeded):
		// The library's own send deadline (zmq4.WithTimeout) ran out.
		return drivers.Errorf(drivers.KindTimeout, op, err)
	case strings.Contains(err.Error(), "sockets can't recv messages"),
		strings.Contains(err.Error(), "sockets can't send messages"):
		return drivers.Errorf(drivers.KindNotAllowed, op, err)
	}
	return drivers.Errorf(drivers.KindOther, op, err)
}

// waitErr is the error for a wait on the caller's context that ended
// before the library answered.
func waitErr(op string, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return drivers.Errorf(drivers.KindTimeout, op, ctx.Err())
	}
	return drivers.Errorf(drivers.KindOther, op, ctx.Err())
}

// errClosed is returned by every call on a closed socket or context.
func errClosed(op string) error {
	return drivers.Errorf(drivers.KindClosed, op, errors.New("socket is closed"))
}
