package drivertest_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
)

// fault is one way brokenDriver breaks the contract on purpose.
type fault string

const (
	faultNone      fault = "none"       // a faithful wrapper (a second driver name)
	faultDropEmpty fault = "drop-empty" // Send leaves out empty frames
	faultTruncate  fault = "truncate"   // Recv cuts the last byte off frames over 1 KiB
	faultReorder   fault = "reorder"    // Recv swaps each pair of queued messages
	faultWrongKind fault = "wrong-kind" // timeout and closed errors lose their kind
	faultEarly     fault = "early"      // Recv gives up 50 ms before its deadline
	faultLate      fault = "late"       // a timed-out Recv returns 150 ms late
	faultAcceptAll fault = "accept-all" // SetOption accepts any option
	faultOverclaim fault = "overclaim"  // PAIR left out of Capabilities but still built
	faultHang      fault = "hang"       // Recv ignores its deadline until closed
	faultPanic     fault = "panic"      // Close of a closed socket panics
)

// brokenDriver wraps a real driver and breaks it as f says.
type brokenDriver struct {
	drivers.Driver
	f fault
}

func (d *brokenDriver) Name() string { return "broken-" + string(d.f) }

func (d *brokenDriver) Capabilities() drivers.Capabilities {
	caps := d.Driver.Capabilities()
	if d.f == faultOverclaim {
		caps.Sockets = slices.DeleteFunc(slices.Clone(caps.Sockets), func(t drivers.SocketType) bool { return t == drivers.PAIR })
	}
	return caps
}

func (d *brokenDriver) NewContext() (drivers.Context, error) {
	c, err := d.Driver.NewContext()
	if err != nil {
		return nil, err
	}
	return &brokenContext{Context: c, f: d.f}, nil
}

type brokenContext struct {
	drivers.Context
	f     fault
	mu    sync.Mutex
	socks []*brokenSocket
}

func (c *brokenContext) NewSocket(t drivers.SocketType) (drivers.Socket, error) {
	s, err := c.Context.NewSocket(t)
	if err != nil {
		return nil, err
	}
	b := &brokenSocket{Socket: s, f: c.f, closed: make(chan struct{})}
	c.mu.Lock()
	c.socks = append(c.socks, b)
	c.mu.Unlock()
	return b, nil
}

func (c *brokenContext) Close() error {
	c.mu.Lock()
	for _, s := range c.socks {
		s.markClosed()
	}
	c.mu.Unlock()
	return c.Context.Close()
}

type brokenSocket struct {
	drivers.Socket
	f       fault
	once    sync.Once
	closed  chan struct{}
	mu      sync.Mutex
	pending drivers.Msg // faultReorder: the message held back
}

func (s *brokenSocket) markClosed() { s.once.Do(func() { close(s.closed) }) }

func (s *brokenSocket) Close() error {
	if s.f == faultPanic {
		select {
		case <-s.closed:
			panic("broken: closed twice")
		default:
		}
	}
	s.markClosed()
	return s.Socket.Close()
}

func (s *brokenSocket) Send(ctx context.Context, m drivers.Msg) error {
	if s.f == faultDropEmpty {
		m = slices.DeleteFunc(slices.Clone(m), func(f []byte) bool { return len(f) == 0 })
	}
	return s.unkind(s.Socket.Send(ctx, m))
}

func (s *brokenSocket) Recv(ctx context.Context) (drivers.Msg, error) {
	switch s.f {
	case faultHang:
		<-s.closed
		return nil, drivers.Errorf(drivers.KindClosed, "recv", nil)
	case faultEarly:
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, dl.Add(-50*time.Millisecond))
			defer cancel()
		}
	case faultReorder:
		return s.recvReordered(ctx)
	}
	m, err := s.Socket.Recv(ctx)
	if s.f == faultLate && drivers.KindOf(err) == drivers.KindTimeout {
		time.Sleep(150 * time.Millisecond)
	}
	if s.f == faultTruncate {
		for i, f := range m {
			if len(f) > 1024 {
				m[i] = f[:len(f)-1]
			}
		}
	}
	return m, s.unkind(err)
}

// recvReordered returns a held-back message first; otherwise it takes one
// message and, if a second is already there, returns the second.
func (s *brokenSocket) recvReordered(ctx context.Context) (drivers.Msg, error) {
	s.mu.Lock()
	if p := s.pending; p != nil {
		s.pending = nil
		s.mu.Unlock()
		return p, nil
	}
	s.mu.Unlock()
	m1, err := s.Socket.Recv(ctx)
	if err != nil {
		return nil, err
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	m2, err := s.Socket.Recv(short)
	if err != nil {
		return m1, nil
	}
	s.mu.Lock()
	s.pending = m1
	s.mu.Unlock()
	return m2, nil
}

func (s *brokenSocket) SetOption(o drivers.Option, v any) error {
	err := s.Socket.SetOption(o, v)
	if s.f == faultAcceptAll && drivers.KindOf(err) == drivers.KindUnsupported {
		return nil
	}
	return err
}

// unkind strips the kind off timeout and closed errors for faultWrongKind.
func (s *brokenSocket) unkind(err error) error {
	if s.f != faultWrongKind || err == nil {
		return err
	}
	if k := drivers.KindOf(err); k == drivers.KindTimeout || k == drivers.KindClosed {
		return errors.New("broken: " + err.Error())
	}
	return err
}
