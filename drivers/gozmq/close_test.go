package gozmq

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// TestUseAfterClose: every call on a closed socket is KindClosed.
func TestUseAfterClose(t *testing.T) {
	for _, built := range []bool{false, true} {
		e := newEnv(t)
		s := e.socket(drivers.DEALER)
		if built {
			if err := s.Bind(e.endpoint(drivers.TCP)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		ctx, cancel := deadline(time.Second)
		_, err := s.Recv(ctx)
		wantKind(t, "Recv after Close", err, drivers.KindClosed)
		wantKind(t, "Send after Close", s.Send(ctx, drivers.MsgFromStrings("x")), drivers.KindClosed)
		cancel()
		wantKind(t, "Bind after Close", s.Bind(e.endpoint(drivers.TCP)), drivers.KindClosed)
		wantKind(t, "SetOption after Close", s.SetOption(drivers.ROUTING_ID, "x"), drivers.KindClosed)
		wantKind(t, "second Close", s.Close(), drivers.KindClosed)
	}
}

// TestCloseUnblocks: Close ends receives and sends in flight in the
// library, and their goroutines exit (Close would report otherwise).
func TestCloseUnblocks(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		pull, push := e.socket(drivers.PULL), e.socket(drivers.PUSH)
		for _, s := range []drivers.Socket{pull, push} {
			if err := s.Bind(e.endpoint(tr)); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := deadline(30 * time.Millisecond)
		_, err := pull.Recv(ctx)
		wantKind(t, "Recv", err, drivers.KindTimeout)
		wantKind(t, "Send", push.Send(ctx, drivers.MsgFromStrings("x")), drivers.KindTimeout)
		cancel()
		start := time.Now()
		for _, s := range []drivers.Socket{pull, push} {
			if err := s.Close(); err != nil {
				t.Fatalf("%s Close: %v", s.Type(), err)
			}
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("Close took %v", took)
		}
	})
}

// TestCloseWhileWaiting: a Recv waiting when Close is called returns
// KindClosed at once rather than at its deadline.
func TestCloseWhileWaiting(t *testing.T) {
	e := newEnv(t)
	s := e.socket(drivers.PULL)
	if err := s.Bind(e.endpoint(drivers.TCP)); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := deadline(step)
		defer cancel()
		_, err := s.Recv(ctx)
		errc <- err
	}()
	// Close may land before the Recv starts; both orders must give KindClosed.
	time.Sleep(20 * time.Millisecond) // only makes the in-flight order likely
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-errc:
		wantKind(t, "Recv during Close", err, drivers.KindClosed)
	case <-time.After(step):
		t.Fatal("Recv still blocked after Close")
	}
}

// TestContextClose closes every socket of the context.
func TestContextClose(t *testing.T) {
	c, err := New().NewContext()
	if err != nil {
		t.Fatal(err)
	}
	eps, _ := drivers.NewEndpoints()
	defer eps.Close()
	a, _ := c.NewSocket(drivers.PAIR)
	b, _ := c.NewSocket(drivers.PAIR)
	ep, _ := eps.New(drivers.IPC)
	if err := a.Bind(ep); err != nil {
		t.Fatal(err)
	}
	if err := b.Connect(ep); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("context Close: %v", err)
	}
	ctx, cancel := deadline(time.Second)
	defer cancel()
	for _, s := range []drivers.Socket{a, b} {
		wantKind(t, "Send after context Close", s.Send(ctx, drivers.MsgFromStrings("x")), drivers.KindClosed)
	}
	if _, err := c.NewSocket(drivers.PAIR); drivers.KindOf(err) != drivers.KindClosed {
		t.Fatalf("NewSocket after Close: %v, want KindClosed", err)
	}
	if _, err := os.Stat(strings.TrimPrefix(ep, "ipc://")); !os.IsNotExist(err) {
		t.Fatalf("ipc file still there after context Close: %v", err)
	}
}

// TestIPCFilesRemoved: a bound ipc socket leaves no file after Close, for
// both the binder and a connected peer closed in either order. (A socket
// binding twice is not tested: go-zeromq's Listen overwrites the listener
// field that the first accept loop reads, a data race under -race:
// socket.Listen writes sck.listener, socket.accept reads it, socket.go.)
func TestIPCFilesRemoved(t *testing.T) {
	e := newEnv(t)
	for _, binderFirst := range []bool{true, false} {
		pull, push := e.pair(drivers.IPC, drivers.PULL, drivers.PUSH)
		order := []drivers.Socket{pull, push}
		if !binderFirst {
			order = []drivers.Socket{push, pull}
		}
		for _, s := range order {
			if err := s.Close(); err != nil {
				t.Fatalf("%s Close: %v", s.Type(), err)
			}
		}
		if ents, _ := os.ReadDir(e.eps.Dir()); len(ents) != 0 {
			t.Errorf("binder closed first=%v: files left: %v", binderFirst, ents)
		}
	}
}
