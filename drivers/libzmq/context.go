//go:build cgo

package libzmq

import (
	"sort"
	"sync"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// zctx is a drivers.Context over one libzmq context. It tracks its open
// sockets so Close can close them all before terminating the context:
// zmq_ctx_term blocks until every socket of the context is closed.
type zctx struct {
	zc *zmq.Context

	mu      sync.Mutex
	closed  bool
	sockets map[*socket]uint64 // → creation order
	made    uint64
}

func newContext() (*zctx, error) {
	zc, err := zmq.NewContext()
	if err != nil {
		return nil, mapErr("new context", err)
	}
	// The driver handles EINTR itself (see retryEINTR): pebbe's own retry
	// would restart a blocking call with its full RCVTIMEO, stretching the
	// deadline each time a signal lands.
	zc.SetRetryAfterEINTR(false)
	return &zctx{zc: zc, sockets: map[*socket]uint64{}}, nil
}

// NewSocket creates a socket of type t with its owner goroutine.
func (c *zctx) NewSocket(t drivers.SocketType) (drivers.Socket, error) {
	zt, ok := socketTypes[t]
	if !ok {
		return nil, drivers.Unsupported("new socket", "socket type "+string(t))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, drivers.Errorf(drivers.KindClosed, "new socket", nil)
	}
	var zs *zmq.Socket
	err := retryEINTR(func() (e error) { zs, e = c.zc.NewSocket(zt); return e })
	if err != nil {
		return nil, mapErr("new socket", err)
	}
	// LINGER 0 from the start rather than only just before close: libzmq
	// reads LINGER only when the socket is closed or its context ends, so
	// nothing observable changes, and a socket still blocked in a call
	// when its context is terminated (see Close), which can no longer
	// take options then, does not make zmq_ctx_term wait for its queue.
	if err := retryEINTR(func() error { return zs.SetLinger(0) }); err != nil {
		_ = zs.Close()
		return nil, mapErr("new socket: setsockopt LINGER", err)
	}
	s := newSocket(c, t, zs)
	c.made++
	c.sockets[s] = c.made
	return s, nil
}

// forget drops s from the tracked set once it is closed.
func (c *zctx) forget(s *socket) {
	c.mu.Lock()
	delete(c.sockets, s)
	c.mu.Unlock()
}

// Close closes every socket still open, each with LINGER 0 unless the
// scenario set LINGER, then terminates the libzmq context. A socket blocked
// in a call (a receive waiting for its deadline) is released the way
// libzmq specifies: zmq_ctx_term makes its call return ETERM at once
// (zmq_ctx_term(3)), the call reports the closed kind, and the socket is
// closed after it. With a scenario LINGER of -1 and undeliverable
// messages, terminating blocks as libzmq does (decisions.md, ruling 11:
// such cases run out of process). Closing twice returns nil.
func (c *zctx) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	open := make([]*socket, 0, len(c.sockets))
	for s := range c.sockets {
		open = append(open, s)
	}
	// Newest first: a socket made early to serve the others (a ZAP
	// handler at inproc://zeromq.zap.01) goes last. libzmq 4.3.4 aborts
	// when a server session asks a ZAP handler closed under it
	// (zap_client.cpp, send_zap_request).
	order := c.sockets
	sort.Slice(open, func(i, j int) bool { return order[open[i]] > order[open[j]] })
	c.mu.Unlock()

	var firstErr error
	var busy []*socket
	for _, s := range open {
		err, taken := s.tryClose()
		if !taken {
			busy = append(busy, s)
			continue
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if len(busy) > 0 {
		// Terminate first, so the blocked calls return; their sockets'
		// close ops run right after. The EINTR retry flag stays off: the
		// owners still read it.
		term := make(chan error, 1)
		go func() { term <- c.zc.Term() }()
		for _, s := range busy {
			if err := s.Close(); err != nil && drivers.KindOf(err) != drivers.KindClosed && firstErr == nil {
				firstErr = err
			}
		}
		if err := <-term; err != nil && firstErr == nil {
			firstErr = mapErr("term", err)
		}
		return firstErr
	}
	// Every owner goroutine has exited, so nothing else reads the
	// context's retry flag now. zmq_ctx_term may see EINTR while it waits
	// for the reaper; pebbe marks the context closed before its first
	// attempt, so only its own loop can retry it.
	c.zc.SetRetryAfterEINTR(true)
	if err := c.zc.Term(); err != nil && firstErr == nil {
		firstErr = mapErr("term", err)
	}
	return firstErr
}

// socketTypes maps the harness's names to libzmq's.
var socketTypes = map[drivers.SocketType]zmq.Type{
	drivers.REQ: zmq.REQ, drivers.REP: zmq.REP,
	drivers.DEALER: zmq.DEALER, drivers.ROUTER: zmq.ROUTER,
	drivers.PUB: zmq.PUB, drivers.SUB: zmq.SUB,
	drivers.XPUB: zmq.XPUB, drivers.XSUB: zmq.XSUB,
	drivers.PUSH: zmq.PUSH, drivers.PULL: zmq.PULL,
	drivers.PAIR: zmq.PAIR,
}
