package gozmq

import (
	"context"
	"sync"

	"github.com/go-zeromq/zmq4"
)

// result is what one library call returned.
type result struct {
	msg zmq4.Msg
	err error
}

// pump runs the library calls of one direction (receive or send) of one
// socket on a single long-lived goroutine, so a caller can stop waiting at
// its deadline without a goroutine per call (decisions.md, "not
// acceptable"). The goroutine is started by the first call and calls the
// library only when handed a call: nothing is received ahead of the caller.
//
// At most one library call is in flight. When a caller's deadline passes
// first, the call stays in flight and inflight stays true; the next caller
// collects its result instead of issuing a new call (see Socket.Recv and
// Socket.Send for what each direction does with it).
type pump struct {
	// slot is held (one token) by the caller using the pump, so callers
	// queue with their own deadlines rather than on a mutex.
	slot chan struct{}
	// calls hands a library call to the goroutine; unbuffered.
	calls chan func() result
	// results carries the one in-flight call's outcome; capacity 1 so the
	// goroutine never blocks on a caller that has given up.
	results chan result
	// done is closed when the socket closes; the goroutine then exits once
	// its current call (unblocked by the library's Close) returns.
	done <-chan struct{}
	wg   *sync.WaitGroup

	// Guarded by slot.
	started  bool
	inflight bool
}

func newPump(done <-chan struct{}, wg *sync.WaitGroup) *pump {
	return &pump{
		slot:    make(chan struct{}, 1),
		calls:   make(chan func() result),
		results: make(chan result, 1),
		done:    done,
		wg:      wg,
	}
}

// acquire takes the pump for one caller, bounded by ctx.
func (p *pump) acquire(ctx context.Context, op string) error {
	select {
	case <-p.done:
		return errClosed(op)
	default:
	}
	select {
	case p.slot <- struct{}{}:
		return nil
	case <-ctx.Done():
		return waitErr(op, ctx)
	case <-p.done:
		return errClosed(op)
	}
}

// release gives the pump back.
func (p *pump) release() { <-p.slot }

// issue hands call to the goroutine, starting it on first use. The caller
// holds the slot and no call is in flight.
func (p *pump) issue(ctx context.Context, op string, call func() result) error {
	if !p.started {
		p.started = true
		p.wg.Add(1)
		go p.run()
	}
	select {
	case p.calls <- call:
		p.inflight = true
		return nil
	case <-ctx.Done():
		return waitErr(op, ctx)
	case <-p.done:
		return errClosed(op)
	}
}

// await waits for the in-flight call's result, bounded by ctx. On timeout
// the call stays in flight.
func (p *pump) await(ctx context.Context, op string) (result, error) {
	select {
	case r := <-p.results:
		p.inflight = false
		return r, nil
	case <-ctx.Done():
		return result{}, waitErr(op, ctx)
	case <-p.done:
		return result{}, errClosed(op)
	}
}

// run is the pump's goroutine.
func (p *pump) run() {
	defer p.wg.Done()
	for {
		select {
		case call := <-p.calls:
			p.results <- call()
		case <-p.done:
			return
		}
	}
}
