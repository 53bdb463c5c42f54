//go:build cgo

package libzmq

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// socket is a drivers.Socket over one libzmq socket. libzmq sockets are not
// thread-safe, so one owner goroutine (loop) makes every libzmq call; the
// methods hand it closures over an unbuffered channel and wait for them.
// The fields below zs belong to the owner goroutine alone.
type socket struct {
	typ drivers.SocketType
	c   *zctx

	ops  chan func()   // unbuffered: an op is accepted only by a live owner
	done chan struct{} // closed when the owner has closed zs and exited

	zs *zmq.Socket // nil once closed

	// userLinger records that the scenario set LINGER, so Close keeps it.
	userLinger bool
	// ipcFiles are the socket files of this socket's ipc binds, removed
	// after close (see removeIPCFiles).
	ipcFiles []ipcFile
	// rcv and snd track the receive and send timeouts.
	rcv, snd timeo
}

// timeo is one of RCVTIMEO/SNDTIMEO: the scenario's value, if it set one,
// and the value currently set on the libzmq socket, cached so that a call
// needs no setsockopt while the effective timeout does not change.
type timeo struct {
	user    int
	userSet bool
	cur     int // libzmq's default is -1 (block forever)
}

func newSocket(c *zctx, t drivers.SocketType, zs *zmq.Socket) *socket {
	s := &socket{
		typ: t, c: c, zs: zs,
		ops:  make(chan func()),
		done: make(chan struct{}),
		rcv:  timeo{cur: -1},
		snd:  timeo{cur: -1},
	}
	go s.loop()
	return s
}

// loop is the owner goroutine: it runs ops until one of them closes zs.
func (s *socket) loop() {
	defer close(s.done)
	for op := range s.ops {
		op()
		if s.zs == nil {
			return
		}
	}
}

// do runs f on the owner goroutine and returns its error. A closed socket
// gives KindClosed. If ctx ends before the owner takes f (it may be busy
// with another call, e.g. a blocked Recv while this is a Send), f never
// runs and the call fails with ctx's error; once taken, f runs to its end,
// bounded by the timeouts it sets from ctx's deadline.
func (s *socket) do(ctx context.Context, op string, f func() error) error {
	var err error
	finished := make(chan struct{})
	call := func() {
		if s.zs == nil {
			err = closedErr(op)
		} else {
			err = f()
		}
		close(finished)
	}
	select {
	case s.ops <- call:
	case <-s.done:
		return closedErr(op)
	case <-ctx.Done():
		return ctxErr(op, ctx)
	}
	<-finished
	return err
}

// Type returns the socket type.
func (s *socket) Type() drivers.SocketType { return s.typ }

// Bind listens on endpoint. For ipc it records the socket file's path
// (as libzmq resolved it, so "ipc://*" works too) for removal at Close.
func (s *socket) Bind(endpoint string) error {
	return s.do(context.Background(), "bind", func() error {
		if err := retryEINTR(func() error { return s.zs.Bind(endpoint) }); err != nil {
			return mapErr("bind "+endpoint, err)
		}
		if strings.HasPrefix(endpoint, "ipc://") {
			if last, err := s.zs.GetLastEndpoint(); err == nil && strings.HasPrefix(last, "ipc://") {
				s.ipcFiles = append(s.ipcFiles, ipcFile{
					path:     strings.TrimPrefix(last, "ipc://"),
					wildcard: endpoint == "ipc://*",
				})
			}
		}
		return nil
	})
}

// Connect dials endpoint; libzmq connects in the background.
func (s *socket) Connect(endpoint string) error {
	return s.do(context.Background(), "connect", func() error {
		return mapErr("connect "+endpoint, retryEINTR(func() error { return s.zs.Connect(endpoint) }))
	})
}

// SetOption sets a libzmq socket option. Options the harness does not know
// are KindUnsupported; see optionErr for how libzmq's refusals map.
func (s *socket) SetOption(name drivers.Option, value any) error {
	op := "setsockopt " + string(name)
	kind, known := drivers.KnownOptions[name]
	set, has := setters[name]
	if !known || !has {
		return drivers.Unsupported(op, "option "+string(name))
	}
	n, b, err := optionValue(kind, value)
	if err != nil {
		return drivers.Errorf(drivers.KindOther, op, err)
	}
	return s.do(context.Background(), op, func() error {
		if err := retryEINTR(func() error { return set(s.zs, n, b) }); err != nil {
			return optionErr(op, s.typ, name, err)
		}
		switch name {
		case drivers.LINGER:
			s.userLinger = true
		case drivers.RCVTIMEO:
			s.rcv = timeo{user: n, userSet: true, cur: n}
		case drivers.SNDTIMEO:
			s.snd = timeo{user: n, userSet: true, cur: n}
		}
		return nil
	})
}

// Close closes the socket with LINGER 0, unless the scenario set LINGER,
// whose value is kept. A call in progress finishes first (its deadline
// bounds it). Closing a closed socket returns nil; every other call on it
// returns KindClosed.
func (s *socket) Close() error {
	return s.finishClose(s.do(context.Background(), "close", s.closeOp))
}

// tryClose closes the socket only if its owner is idle at once; taken is
// false when the owner is busy with another call.
func (s *socket) tryClose() (err error, taken bool) {
	finished := make(chan struct{})
	call := func() {
		if s.zs == nil {
			err = closedErr("close")
		} else {
			err = s.closeOp()
		}
		close(finished)
	}
	select {
	case s.ops <- call:
		<-finished
	case <-s.done:
		err = closedErr("close")
	default:
		return nil, false
	}
	return s.finishClose(err), true
}

// closeOp runs on the owner goroutine.
func (s *socket) closeOp() error {
	if !s.userLinger {
		// A failure here only means close may linger; nothing to do.
		_ = retryEINTR(func() error { return s.zs.SetLinger(0) })
	}
	err := s.zs.Close()
	s.zs = nil // tells loop to exit
	s.removeIPCFiles()
	return mapErr("close", err)
}

// finishClose waits for the owner to exit, so that nothing touches the
// libzmq context after the socket has left the tracked set.
func (s *socket) finishClose(err error) error {
	<-s.done
	s.c.forget(s)
	if drivers.KindOf(err) == drivers.KindClosed {
		return nil
	}
	return err
}

// ipcFile is the socket file of one ipc bind.
type ipcFile struct {
	path     string
	wildcard bool // bound as ipc://*: libzmq made a private directory for it
}

// removeIPCFiles deletes the socket files of this socket's ipc binds once
// it is closed. libzmq 4.3 leaves them behind: ipc_listener_t::close
// closes the descriptor but unlinks nothing (only zmq_unbind does), so
// without this every ipc case would leave a file. It changes nothing a
// peer can observe: connecting to a stale file fails just as to a missing
// one, and libzmq unlinks any old file before it binds a path. The private
// directory of a wildcard bind, which libzmq fails to remove while the file
// is still in it, goes too.
func (s *socket) removeIPCFiles() {
	for _, f := range s.ipcFiles {
		if f.path == "" || f.path[0] == '@' { // Linux abstract namespace: no file
			continue
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if f.wildcard {
			_ = os.Remove(filepath.Dir(f.path)) // fails harmlessly if not empty or gone
		}
	}
	s.ipcFiles = nil
}
