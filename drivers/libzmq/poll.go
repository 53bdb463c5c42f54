//go:build cgo

package libzmq

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// Poll waits on several sockets with libzmq's own zmq_poll.
//
// Each socket belongs to its owner goroutine, and zmq_poll must see them
// all from one thread. So Poll borrows them: it hands each owner an op that
// parks it until Poll is done. The channel hand-offs are the full memory
// barrier libzmq asks for when a socket moves between threads (zmq(7),
// "Thread safety"), so for the duration of the poll the calling goroutine
// is the only one touching any of them, and no owner runs a call meanwhile.
// A socket busy with a blocked call is borrowed when that call returns,
// which its own deadline bounds; if Poll's deadline passes first, Poll
// fails with the timeout kind. Nothing is received: readiness is what
// libzmq reports (ZMQ_POLLIN means a whole message is queued).
func (c *zctx) Poll(ctx context.Context, items []drivers.PollItem) ([]drivers.PollEvents, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	socks := make([]*socket, len(items))
	for i, it := range items {
		s, ok := it.Socket.(*socket)
		if !ok || s.c != c {
			return nil, drivers.Errorf(drivers.KindOther, "poll", fmt.Errorf("item %d: socket is not from this context", i))
		}
		socks[i] = s
	}
	release, err := borrow(ctx, socks)
	if err != nil {
		return nil, err
	}
	defer release()
	poller := zmq.NewPoller()
	for i, it := range items {
		if socks[i].zs == nil {
			return nil, closedErr("poll")
		}
		poller.Add(socks[i].zs, toZmqEvents(it.Events))
	}
	deadline, _ := ctx.Deadline()
	for {
		// Rounded up to whole milliseconds, zmq_poll's unit, so that
		// "nothing ready" is never reported before the deadline.
		left := ceilMillis(time.Until(deadline))
		polled, err := poller.PollAll(millis(left))
		if err != nil {
			if isErrno(err, syscall.EINTR) {
				continue
			}
			return nil, mapErr("poll", err)
		}
		out := make([]drivers.PollEvents, len(items))
		any := false
		for i, p := range polled {
			out[i] = fromZmqEvents(p.Events) & items[i].Events
			any = any || out[i] != 0
		}
		if any || left == 0 || !time.Now().Before(deadline) {
			return out, nil
		}
	}
}

// borrow parks the owner goroutine of every distinct socket and returns
// the function that lets them go. On failure nothing stays parked.
func borrow(ctx context.Context, socks []*socket) (release func(), err error) {
	var resumes []chan struct{}
	release = func() {
		for _, r := range resumes {
			close(r)
		}
	}
	seen := map[*socket]bool{}
	for _, s := range socks {
		if seen[s] {
			continue
		}
		seen[s] = true
		parked, resume := make(chan struct{}), make(chan struct{})
		park := func() {
			close(parked)
			<-resume
		}
		select {
		case s.ops <- park:
			<-parked
			resumes = append(resumes, resume)
		case <-s.done:
			release()
			return nil, closedErr("poll")
		case <-ctx.Done():
			release()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, drivers.Errorf(drivers.KindTimeout, "poll", errors.New("a socket stayed busy with another call until the deadline"))
			}
			return nil, drivers.Errorf(drivers.KindOther, "poll", ctx.Err())
		}
	}
	return release, nil
}

func toZmqEvents(e drivers.PollEvents) zmq.State {
	var z zmq.State
	if e&drivers.PollIn != 0 {
		z |= zmq.POLLIN
	}
	if e&drivers.PollOut != 0 {
		z |= zmq.POLLOUT
	}
	return z
}

func fromZmqEvents(z zmq.State) drivers.PollEvents {
	var e drivers.PollEvents
	if z&zmq.POLLIN != 0 {
		e |= drivers.PollIn
	}
	if z&zmq.POLLOUT != 0 {
		e |= drivers.PollOut
	}
	return e
}

var _ drivers.Poller = (*zctx)(nil)
