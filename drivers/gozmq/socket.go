package gozmq

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/plain"
	"github.com/zharness/zharness/drivers"
)

// closeWait bounds how long Close waits for the pump goroutines once the
// library socket is closed. A library call that does not return by then is
// a go-zeromq bug, reported as Close's error.
const closeWait = 2 * time.Second

// Socket is a drivers.Socket over one go-zeromq socket.
type Socket struct {
	typ   drivers.SocketType
	owner *Context

	// ctx is this socket's context, a child of the owner's; go-zeromq
	// derives its own socket context from it. cancel stops a Dial that is
	// still retrying when Close is called.
	ctx    context.Context
	cancel context.CancelFunc

	done       chan struct{} // closed by Close
	wg         sync.WaitGroup
	recv, send *pump

	// life serialises Bind, Connect and Close: go-zeromq's Listen, Dial
	// and Close write and read the socket's endpoint and listener fields
	// without a lock (socket.go).
	life sync.Mutex

	mu       sync.Mutex // guards the fields below
	zs       zmq4.Socket
	closed   bool
	ctorOpts map[drivers.Option]zmq4.Option
	plain    plainSettings
	pending  []pendingOpt // live options set before construction
	ipcPaths []string
}

// pendingOpt is a live option recorded before the socket was built.
type pendingOpt struct {
	name  drivers.Option
	value any
}

func newSocket(owner *Context, t drivers.SocketType) *Socket {
	ctx, cancel := context.WithCancel(owner.ctx)
	s := &Socket{
		typ: t, owner: owner, ctx: ctx, cancel: cancel,
		done:     make(chan struct{}),
		ctorOpts: map[drivers.Option]zmq4.Option{},
	}
	s.recv = newPump(s.done, &s.wg)
	s.send = newPump(s.done, &s.wg)
	return s
}

// Type returns the socket type.
func (s *Socket) Type() drivers.SocketType { return s.typ }

// lib returns the go-zeromq socket, building it on first use with the
// recorded constructor options, then the recorded live options in order.
func (s *Socket) lib(op string) (zmq4.Socket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed(op)
	}
	if s.zs != nil {
		return s.zs, nil
	}
	var opts []zmq4.Option
	for _, o := range drivers.OptionNames() { // stable order
		if opt, ok := s.ctorOpts[o]; ok {
			opts = append(opts, opt)
		}
	}
	if s.plain.on {
		opts = append(opts, zmq4.WithSecurity(plain.Security(s.plain.user, s.plain.pass)))
	}
	zs := constructors[s.typ](s.ctx, opts...)
	for _, p := range s.pending {
		if err := optionSpecs[p.name].live(zs, p.value); err != nil {
			// The socket is kept: it exists now and Close must close it.
			s.zs = zs
			return nil, classify(op+": setsockopt "+string(p.name), err, false)
		}
	}
	s.pending = nil
	s.zs = zs
	return zs, nil
}

// Bind listens on endpoint via the library's Listen.
func (s *Socket) Bind(endpoint string) error {
	s.life.Lock()
	defer s.life.Unlock()
	zs, err := s.lib("bind")
	if err != nil {
		return err
	}
	if err := zs.Listen(endpoint); err != nil {
		return classify("bind", err, s.isClosed())
	}
	if path, ok := strings.CutPrefix(endpoint, "ipc://"); ok {
		s.mu.Lock()
		s.ipcPaths = append(s.ipcPaths, path)
		s.mu.Unlock()
	}
	return nil
}

// Connect dials endpoint via the library's Dial. go-zeromq dials
// synchronously and retries a refused dial (10 times, 250 ms apart by
// default, socket.Dial), so Connect to an endpoint nobody binds blocks for
// that long and then fails; the driver does not fake an asynchronous
// connect (decisions.md, ruling 8).
func (s *Socket) Connect(endpoint string) error {
	s.life.Lock()
	defer s.life.Unlock()
	zs, err := s.lib("connect")
	if err != nil {
		return err
	}
	return classify("connect", zs.Dial(endpoint), s.isClosed())
}

// Recv receives one whole message, bounded by ctx's deadline. If an
// earlier Recv timed out, its library call is still in flight and this
// call waits for that call's result rather than starting another.
func (s *Socket) Recv(ctx context.Context) (drivers.Msg, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	zs, err := s.lib("recv")
	if err != nil {
		return nil, err
	}
	if err := s.recv.acquire(ctx, "recv"); err != nil {
		return nil, err
	}
	defer s.recv.release()
	if !s.recv.inflight {
		call := func() result { m, err := zs.Recv(); return result{msg: m, err: err} }
		if err := s.recv.issue(ctx, "recv", call); err != nil {
			return nil, err
		}
	}
	r, err := s.recv.await(ctx, "recv")
	if err != nil {
		return nil, err
	}
	if r.err != nil {
		return nil, classify("recv", r.err, s.isClosed())
	}
	return fromLib(r.msg), nil
}

// Send sends m as one message, bounded by ctx's deadline: one frame through
// the library's Send, several through SendMulti.
//
// If an earlier Send timed out, its library call is still in flight (the
// message may yet go out). This Send first waits, within its own deadline,
// for that call to finish, then issues its own; the earlier call's late
// outcome is dropped, as its caller was already told KindTimeout. If the
// deadline passes while still waiting for the earlier call, this message
// is not handed to the library at all.
func (s *Socket) Send(ctx context.Context, m drivers.Msg) error {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	if len(m) == 0 {
		return drivers.Errorf(drivers.KindOther, "send", errors.New("a message needs at least one frame"))
	}
	zs, err := s.lib("send")
	if err != nil {
		return err
	}
	if err := s.send.acquire(ctx, "send"); err != nil {
		return err
	}
	defer s.send.release()
	if s.send.inflight {
		if _, err := s.send.await(ctx, "send"); err != nil {
			return err
		}
	}
	lm := toLib(m)
	call := func() result { return result{err: zs.Send(lm)} }
	if len(m) > 1 {
		call = func() result { return result{err: zs.SendMulti(lm)} }
	}
	if err := s.send.issue(ctx, "send", call); err != nil {
		return err
	}
	r, err := s.send.await(ctx, "send")
	if err != nil {
		return err
	}
	return classify("send", r.err, s.isClosed())
}

// SetOption sets an option go-zeromq offers (see optionSpecs) and refuses
// the rest with KindUnsupported. Constructor-only options can be set only
// before the library socket is built (first Bind, Connect, Send or Recv);
// after that they fail with KindInvalidState.
func (s *Socket) SetOption(name drivers.Option, value any) error {
	op := "setsockopt " + string(name)
	spec, ok := optionSpecs[name] // an unknown name is not in it either
	if !ok {
		return drivers.Unsupported(op, "option "+string(name))
	}
	if spec.only != nil && !contains(spec.only, s.typ) {
		return drivers.Unsupported(op, fmt.Sprintf("option %s on a %s socket", name, s.typ))
	}
	v, err := checkValue(name, value)
	if err != nil {
		return drivers.Errorf(drivers.KindOther, op, err)
	}
	if spec.ctor != nil || spec.plain != nil {
		return s.setCtorOption(op, name, spec, v)
	}
	return s.setLiveOption(op, name, spec, v)
}

func (s *Socket) setCtorOption(op string, name drivers.Option, spec optSpec, v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed(op)
	}
	if s.zs != nil {
		return drivers.Errorf(drivers.KindInvalidState, op, fmt.Errorf(
			"%s must be set before the first bind, connect, send or recv: go-zeromq takes it only at socket construction", name))
	}
	if spec.plain != nil {
		spec.plain(&s.plain, v)
		return nil
	}
	opt, err := spec.ctor(v)
	if err != nil {
		return drivers.Unsupported(op, err.Error())
	}
	s.ctorOpts[name] = opt
	return nil
}

func (s *Socket) setLiveOption(op string, name drivers.Option, spec optSpec, v any) error {
	if spec.check != nil {
		if err := spec.check(v); err != nil {
			return drivers.Errorf(drivers.KindOther, op, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed(op)
	}
	if s.zs == nil {
		s.pending = append(s.pending, pendingOpt{name, v})
		return nil
	}
	return classify(op, spec.live(s.zs, v), false)
}

// Close closes the library socket, which unblocks the pump goroutines, and
// waits (bounded by closeWait) for them to exit. ipc files this socket
// bound are removed even where go-zeromq leaves them (its Close removes
// only the file of the last endpoint it was given, socket.Close).
func (s *Socket) Close() error {
	s.cancel() // first, so a Dial still retrying gives up and frees life
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed("close")
	}
	s.closed = true
	close(s.done)
	zs, paths := s.zs, s.ipcPaths
	s.mu.Unlock()
	defer s.owner.forget(s)

	var errs []error
	if zs != nil {
		// go-zeromq's per-connection readers close a connection whose peer
		// went away (qreader.listen, repReader.listen), and socket.Close
		// then closes it again and returns net.ErrClosed: not a failure.
		if err := zs.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, drivers.Errorf(drivers.KindOther, "close", err))
		}
	}
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, drivers.Errorf(drivers.KindOther, "close", err))
		}
	}
	if !s.waitPumps() {
		errs = append(errs, drivers.Errorf(drivers.KindOther, "close", fmt.Errorf(
			"a go-zeromq %s call was still blocked %v after Close; its goroutine is leaked", s.typ, closeWait)))
	}
	return errors.Join(errs...)
}

// waitPumps waits up to closeWait for the pump goroutines to exit.
func (s *Socket) waitPumps() bool {
	exited := make(chan struct{})
	go func() { s.wg.Wait(); close(exited) }()
	t := time.NewTimer(closeWait)
	defer t.Stop()
	select {
	case <-exited:
		return true
	case <-t.C:
		return false
	}
}

func (s *Socket) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// toLib copies m into a library message. The copy matters: go-zeromq may
// keep the frames after Send returns (pubMWriter queues them, pub.go) and a
// timed-out send is still in flight, while the caller may reuse its slices.
func toLib(m drivers.Msg) zmq4.Msg {
	frames := make([][]byte, len(m))
	for i, f := range m {
		frames[i] = append([]byte{}, f...)
	}
	return zmq4.NewMsgFrom(frames...)
}

// fromLib converts a received library message; empty frames become
// zero-length non-nil slices as drivers.Msg documents.
func fromLib(m zmq4.Msg) drivers.Msg {
	out := make(drivers.Msg, len(m.Frames))
	for i, f := range m.Frames {
		if f == nil {
			f = []byte{}
		}
		out[i] = f
	}
	return out
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var _ drivers.Socket = (*Socket)(nil)
