package gozmq

import (
	"context"
	"errors"
	"sync"

	"github.com/zharness/zharness/drivers"
)

// Context is a drivers.Context over go-zeromq. It owns one
// context.Context from which every socket's context derives.
type Context struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	socks  map[*Socket]struct{}
}

// NewSocket returns a socket of type t. The go-zeromq socket behind it is
// built at the first Bind, Connect, Send, Recv or live SetOption, so that
// constructor-only options (ROUTING_ID, SNDTIMEO, RECONNECT_IVL, PLAIN_*) can still
// be set after NewSocket.
func (c *Context) NewSocket(t drivers.SocketType) (drivers.Socket, error) {
	if _, ok := constructors[t]; !ok {
		return nil, drivers.Unsupported("socket", "socket type "+string(t))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, drivers.Errorf(drivers.KindClosed, "socket", errors.New("context is closed"))
	}
	s := newSocket(c, t)
	c.socks[s] = struct{}{}
	return s, nil
}

// Close closes every socket still open, then cancels the context.
// go-zeromq has no linger, so this is linger 0 as the contract asks.
func (c *Context) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return drivers.Errorf(drivers.KindClosed, "close context", errors.New("context is closed"))
	}
	c.closed = true
	socks := make([]*Socket, 0, len(c.socks))
	for s := range c.socks {
		socks = append(socks, s)
	}
	c.mu.Unlock()

	var errs []error
	for _, s := range socks {
		if err := s.Close(); err != nil && drivers.KindOf(err) != drivers.KindClosed {
			errs = append(errs, err)
		}
	}
	c.cancel()
	return errors.Join(errs...)
}

// forget drops a closed socket from the context's set.
func (c *Context) forget(s *Socket) {
	c.mu.Lock()
	delete(c.socks, s)
	c.mu.Unlock()
}

var _ drivers.Context = (*Context)(nil)
