package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
)

// Prefix is the registry prefix: "remote:INNER" runs INNER in an agent.
const Prefix = "remote"

// Command builds the agent command for the given arguments
// ("--driver", INNER). The default runs this executable as
// "peer driver ARGS"; tests point it at a re-executed test binary, and an
// agent in another language is another command speaking PROTOCOL.md.
var Command = func(args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, append([]string{"peer", "driver"}, args...)...)
}

func init() { drivers.RegisterResolver(Prefix, Resolve) }

// Resolve builds "remote:INNER". It starts one agent to read its hello
// (name, version, capabilities) and ends it, so an agent that cannot start
// makes the driver unavailable here, with the reason.
func Resolve(name string) (drivers.Driver, error) {
	inner, ok := strings.CutPrefix(name, Prefix+":")
	if !ok || inner == "" {
		return nil, fmt.Errorf("remote: %q: expected remote:DRIVER, e.g. remote:libzmq", name)
	}
	return New(inner)
}

// New returns the driver that runs inner in agents, after probing one.
func New(inner string) (*Driver, error) {
	return NewAgent(Prefix+":"+inner, inner, func(args ...string) *exec.Cmd { return Command(args...) })
}

// CommandFunc builds an agent's command line for the given arguments
// ("--driver", NAME).
type CommandFunc func(args ...string) *exec.Cmd

// NewAgent returns a driver called name whose contexts are agents started
// by command with "--driver inner" (an agent in another language, e.g.
// name and inner "pyzmq"). It probes one agent first, so a runtime that is
// missing or broken makes the driver unavailable, with the agent's reason.
func NewAgent(name, inner string, command CommandFunc) (*Driver, error) {
	d := &Driver{name: name, inner: inner, command: command}
	c, err := d.start()
	if err != nil {
		return nil, fmt.Errorf("remote: agent for %s is unavailable: %w", inner, err)
	}
	d.hello = c.hello
	d.caps = capsFromWire(c.hello.Capabilities)
	if err := c.shutdown(); err != nil {
		return nil, fmt.Errorf("remote: agent for %s did not exit cleanly after its hello: %w", inner, err)
	}
	return d, nil
}

// Driver is the client side: each Context is one agent process.
type Driver struct {
	name    string
	inner   string
	command CommandFunc
	hello   Hello
	caps    drivers.Capabilities
}

func (d *Driver) start() (*conn, error) { return startConn(d.inner, d.command) }

// Name is the registered name: "remote:INNER", or the agent's own name.
func (d *Driver) Name() string { return d.name }

// Version is the implementation's version as the agent reported it.
func (d *Driver) Version() string { return d.hello.Version }

// Capabilities are the agent's, as announced in its hello.
func (d *Driver) Capabilities() drivers.Capabilities { return d.caps }

// Hello is the hello frame the probed agent sent.
func (d *Driver) Hello() Hello { return d.hello }

// NewContext starts an agent and opens a context in it.
func (d *Driver) NewContext() (drivers.Context, error) {
	c, err := d.start()
	if err != nil {
		return nil, err
	}
	res, err := c.call("NewContext", &Request{Op: OpNewContext}, ControlTimeout)
	if err != nil {
		_ = c.shutdown()
		return nil, err
	}
	return &rcontext{c: c, id: res.Context}, nil
}

// rcontext is one context in its own agent.
type rcontext struct {
	c         *conn
	id        uint64
	closeOnce sync.Once
	closeErr  error
}

func (x *rcontext) NewSocket(t drivers.SocketType) (drivers.Socket, error) {
	res, err := x.c.call("NewSocket", &Request{Op: OpNewSocket, Context: x.id, Type: string(t)}, ControlTimeout)
	if err != nil {
		return nil, err
	}
	return &rsocket{c: x.c, id: res.Socket, typ: t}, nil
}

// Poll asks the agent to poll with its implementation's poller. Agents
// without the poller feature answer unsupported (the scenario gate makes
// such cases UNIMPLEMENTED before they get here).
func (x *rcontext) Poll(ctx context.Context, items []drivers.PollItem) ([]drivers.PollEvents, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	req := &Request{Op: OpPoll, Items: make([]Item, len(items))}
	for i, it := range items {
		s, ok := it.Socket.(*rsocket)
		if !ok || s.c != x.c {
			return nil, drivers.Errorf(drivers.KindOther, "poll", fmt.Errorf("item %d: socket is not from this context", i))
		}
		req.Items[i] = Item{Socket: s.id, Events: eventsToWire(it.Events)}
	}
	deadline, _ := ctx.Deadline()
	left := max(time.Until(deadline), 0)
	ms := int64((left + time.Millisecond - 1) / time.Millisecond)
	req.DeadlineMS = &ms
	res, err := x.c.call("poll", req, left+Margin)
	if err != nil {
		return nil, err
	}
	if len(res.Ready) != len(items) {
		return nil, drivers.Errorf(drivers.KindOther, "poll", fmt.Errorf("agent answered %d ready sets for %d items", len(res.Ready), len(items)))
	}
	out := make([]drivers.PollEvents, len(items))
	for i, w := range res.Ready {
		e, err := eventsFromWire(w)
		if err != nil {
			return nil, drivers.Errorf(drivers.KindOther, "poll", err)
		}
		out[i] = e & items[i].Events
	}
	return out, nil
}

// Close closes the context in the agent, then ends the agent. A crash or
// hang during either, or before, is its error.
func (x *rcontext) Close() error {
	x.closeOnce.Do(func() {
		_, err := x.c.call("Context.Close", &Request{Op: OpCloseContext, Context: x.id}, ControlTimeout)
		death := x.c.shutdown()
		switch {
		case death != nil:
			x.closeErr = x.c.errFor("Context.Close")
		case err != nil:
			x.closeErr = err
		}
	})
	if x.closeErr == nil {
		return nil
	}
	return x.closeErr
}

// rsocket is one socket in an agent. Its send and receive each have a
// lane holding a call the caller abandoned (context cancelled before its
// deadline), so the next call on that lane waits for it first: at most
// one send and one receive are ever in flight, and a late message is
// handed to the next Recv (decisions.md, ruling 8).
type rsocket struct {
	c    *conn
	id   uint64
	typ  drivers.SocketType
	send lane
	recv lane
}

// lane serialises one direction of a socket.
type lane struct {
	mu   sync.Mutex
	late *pending
}

func (s *rsocket) Type() drivers.SocketType { return s.typ }

func (s *rsocket) Bind(ep string) error {
	_, err := s.c.call("bind", &Request{Op: OpBind, Socket: s.id, Endpoint: ep}, ControlTimeout)
	return err
}

func (s *rsocket) Connect(ep string) error {
	_, err := s.c.call("connect", &Request{Op: OpConnect, Socket: s.id, Endpoint: ep}, ControlTimeout)
	return err
}

func (s *rsocket) SetOption(name drivers.Option, value any) error {
	op := "setsockopt " + string(name)
	v, err := encodeValue(value)
	if err != nil {
		return drivers.Errorf(drivers.KindOther, op, err)
	}
	_, err = s.c.call(op, &Request{Op: OpSetOption, Socket: s.id, Name: string(name), Value: v}, ControlTimeout)
	return err
}

func (s *rsocket) Close() error {
	_, err := s.c.call("close", &Request{Op: OpClose, Socket: s.id}, ControlTimeout)
	return err
}

func (s *rsocket) Send(ctx context.Context, m drivers.Msg) error {
	_, err := s.blocking(ctx, &s.send, "send", &Request{Op: OpSend, Socket: s.id, Frames: m})
	return err
}

func (s *rsocket) Recv(ctx context.Context) (drivers.Msg, error) {
	res, err := s.blocking(ctx, &s.recv, "recv", &Request{Op: OpRecv, Socket: s.id})
	if err != nil {
		return nil, err
	}
	return drivers.Msg(res.Frames), nil
}

// RecvWithMetadata asks the agent for the message's properties too; an
// agent without the metadata feature answers unsupported.
func (s *rsocket) RecvWithMetadata(ctx context.Context, keys []string) (drivers.Msg, map[string]string, error) {
	res, err := s.blocking(ctx, &s.recv, "recv", &Request{Op: OpRecv, Socket: s.id, Metadata: keys})
	if err != nil {
		return nil, nil, err
	}
	return drivers.Msg(res.Frames), res.Metadata, nil
}

// blocking runs a send or receive on its lane: the agent applies the
// deadline; the client waits for the deadline plus Margin before it calls
// the agent hung.
func (s *rsocket) blocking(ctx context.Context, l *lane, op string, req *Request) (*Result, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.late != nil {
		r, err := s.c.wait(op, l.late, ctx.Done())
		if errors.Is(err, errAbandoned) {
			return nil, ctxErr(op, ctx)
		}
		l.late = nil
		if err != nil {
			return nil, err
		}
		// A receive's late message is this call's; a late send's outcome
		// belonged to its abandoned caller.
		if op == "recv" && r.OK {
			return resultOf(op, r)
		}
	}
	deadline, _ := ctx.Deadline()
	left := time.Until(deadline)
	ms := max(int64((left+time.Millisecond-1)/time.Millisecond), 0) // round up: never early
	req.DeadlineMS = &ms
	p, err := s.c.send(op, req, max(left, 0)+Margin)
	if err != nil {
		return nil, err
	}
	// The agent answers by the deadline, so only a cancellation (not the
	// deadline itself) abandons the wait.
	cancelled := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			close(cancelled)
		}
	})
	defer stop()
	r, err := s.c.wait(op, p, cancelled)
	if errors.Is(err, errAbandoned) {
		l.late = p
		return nil, ctxErr(op, ctx)
	}
	if err != nil {
		return nil, err
	}
	return resultOf(op, r)
}

// ctxErr classifies a wait the caller's context ended, as the in-process
// drivers do: deadline → KindTimeout, cancellation → KindOther.
func ctxErr(op string, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return drivers.Errorf(drivers.KindTimeout, op, ctx.Err())
	}
	return drivers.Errorf(drivers.KindOther, op, ctx.Err())
}
