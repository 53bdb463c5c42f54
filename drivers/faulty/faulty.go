// Package faulty wraps any driver and injects one fault, so tests can prove
// that the conformance cases catch misbehaviour (a harness that cannot
// fail is worthless). It registers the hidden name pattern
// "faulty:FAULT/INNER", e.g. "faulty:drop=3/libzmq", usable from tests,
// the CLI and child processes alike (decisions.md, ruling 10).
//
// Message faults (applied to every socket of the wrapped driver):
//
//	drop=N      every Nth message sent is silently discarded
//	dup=N       every Nth message sent is sent twice
//	reorder=N   every Nth message is held back and sent after the next one
//	truncate    multipart messages lose their last frame
//	nofilter    every SUBSCRIBE becomes a subscription to everything
//	delay=D     every send waits D first (e.g. delay=50us)
//	spin=D      every send busy-waits D first: a precise slowdown of a
//	            few hundred nanoseconds, which a timer cannot give (used
//	            to prove that compare catches a 10 % regression)
//
// Process faults (they take the whole process down or stop it answering):
//
//	panic=N     the Nth send panics in a goroutine of its own
//	exit=N      the Nth send calls os.Exit(3)
//	segv=N      the Nth send dereferences NULL in C (cgo builds only)
//	hang=N      the Nth receive blocks forever, ignoring its deadline
package faulty

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
)

// Fault is one parsed fault.
type Fault struct {
	Kind  string // drop, dup, reorder, truncate, nofilter, delay, panic, exit, hang
	N     int
	Delay time.Duration
}

var kinds = map[string]bool{"drop": true, "dup": true, "reorder": true, "truncate": false, "nofilter": false,
	"delay": true, "spin": true, "panic": true, "exit": true, "hang": true, "segv": true}

// ParseFault parses "drop=3", "truncate", "delay=50us".
func ParseFault(s string) (Fault, error) {
	k, v, hasV := strings.Cut(s, "=")
	needs, ok := kinds[k]
	if !ok {
		return Fault{}, fmt.Errorf("faulty: unknown fault %q (valid: drop=N, dup=N, reorder=N, truncate, nofilter, delay=D, spin=D, panic=N, exit=N, segv=N, hang=N)", k)
	}
	if needs != hasV {
		return Fault{}, fmt.Errorf("faulty: fault %q takes %s", k, map[bool]string{true: "a value (" + k + "=...)", false: "no value"}[needs])
	}
	if k == "segv" && !canSegv {
		return Fault{}, fmt.Errorf("faulty: segv needs a cgo build")
	}
	f := Fault{Kind: k}
	if k == "delay" || k == "spin" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Fault{}, fmt.Errorf("faulty: %s=%q: expected a positive duration", k, v)
		}
		f.Delay = d
	} else if hasV {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return Fault{}, fmt.Errorf("faulty: %s=%q: expected a positive integer", k, v)
		}
		f.N = n
	}
	return f, nil
}

func init() {
	drivers.RegisterResolver("faulty", Resolve)
}

// Resolve builds "faulty:FAULT/INNER".
func Resolve(name string) (drivers.Driver, error) {
	rest := strings.TrimPrefix(name, "faulty:")
	spec, inner, ok := strings.Cut(rest, "/")
	if !ok {
		return nil, fmt.Errorf("faulty: %q: expected faulty:FAULT/DRIVER, e.g. faulty:drop=3/libzmq", name)
	}
	f, err := ParseFault(spec)
	if err != nil {
		return nil, err
	}
	d, err := drivers.Lookup(inner)
	if err != nil {
		return nil, err
	}
	return Wrap(d, f), nil
}

// Wrap returns d with fault f injected.
func Wrap(d drivers.Driver, f Fault) drivers.Driver { return &driver{inner: d, fault: f} }

type driver struct {
	inner drivers.Driver
	fault Fault
}

func (d *driver) Name() string {
	s := d.fault.Kind
	switch {
	case d.fault.Delay > 0:
		s += "=" + d.fault.Delay.String()
	case d.fault.N > 0:
		s += "=" + strconv.Itoa(d.fault.N)
	}
	return "faulty:" + s + "/" + d.inner.Name()
}

func (d *driver) Version() string { return d.inner.Version() + " with fault " + d.fault.Kind }

func (d *driver) Capabilities() drivers.Capabilities { return d.inner.Capabilities() }

func (d *driver) NewContext() (drivers.Context, error) {
	c, err := d.inner.NewContext()
	if err != nil {
		return nil, err
	}
	return &fctx{Context: c, fault: d.fault}, nil
}

type fctx struct {
	drivers.Context
	fault Fault
}

func (c *fctx) NewSocket(t drivers.SocketType) (drivers.Socket, error) {
	s, err := c.Context.NewSocket(t)
	if err != nil {
		return nil, err
	}
	return &socket{Socket: s, fault: c.fault}, nil
}

type socket struct {
	drivers.Socket
	fault Fault

	mu    sync.Mutex
	sends int
	recvs int
	held  drivers.Msg // reorder: the message waiting for its successor
}

func (s *socket) Send(ctx context.Context, m drivers.Msg) error {
	f := s.fault
	s.mu.Lock()
	s.sends++
	nth := f.N > 0 && s.sends%f.N == 0
	s.mu.Unlock()
	switch f.Kind {
	case "drop":
		if nth {
			return nil
		}
	case "dup":
		if nth {
			if err := s.Socket.Send(ctx, m); err != nil {
				return err
			}
		}
	case "reorder":
		s.mu.Lock()
		if nth && s.held == nil {
			s.held = m
			s.mu.Unlock()
			return nil
		}
		held := s.held
		s.held = nil
		s.mu.Unlock()
		if err := s.Socket.Send(ctx, m); err != nil || held == nil {
			return err
		}
		return s.Socket.Send(ctx, held)
	case "truncate":
		if len(m) > 1 {
			m = m[:len(m)-1]
		}
	case "delay":
		select {
		case <-time.After(f.Delay):
		case <-ctx.Done():
			return drivers.Errorf(drivers.KindTimeout, "send", ctx.Err())
		}
	case "spin":
		for end := time.Now().Add(f.Delay); time.Now().Before(end); {
			if ctx.Err() != nil {
				return drivers.Errorf(drivers.KindTimeout, "send", ctx.Err())
			}
		}
	case "panic":
		if s.sends == f.N {
			// In a goroutine of its own, where no recover in the caller
			// can reach, as a crashing implementation would.
			go func() { panic("faulty: injected panic on send " + strconv.Itoa(f.N)) }()
			select {}
		}
	case "segv":
		if s.sends == f.N {
			fmt.Fprintln(os.Stderr, "faulty: injected SIGSEGV in C on send", f.N)
			segv()
		}
	case "exit":
		if s.sends == f.N {
			fmt.Fprintln(os.Stderr, "faulty: injected os.Exit(3) on send", f.N)
			os.Exit(3)
		}
	}
	return s.Socket.Send(ctx, m)
}

func (s *socket) Recv(ctx context.Context) (drivers.Msg, error) {
	if s.fault.Kind == "hang" {
		s.mu.Lock()
		s.recvs++
		n := s.recvs
		s.mu.Unlock()
		if n == s.fault.N {
			select {} // a deadlock that ignores every deadline
		}
	}
	return s.Socket.Recv(ctx)
}

func (s *socket) SetOption(name drivers.Option, v any) error {
	if s.fault.Kind == "nofilter" && name == drivers.SUBSCRIBE {
		v = []byte{}
	}
	return s.Socket.SetOption(name, v)
}
