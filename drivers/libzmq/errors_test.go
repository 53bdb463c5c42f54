//go:build cgo

package libzmq

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// TestReqLockStep: REQ refuses a second send and a first recv (EFSM).
func TestReqLockStep(t *testing.T) {
	c := newTestContext(t, Name)
	req := mustSocket(t, c, drivers.REQ)
	_, err := req.Recv(bound(t, time.Second))
	wantKind(t, "recv on fresh REQ", err, drivers.KindInvalidState)
	rep, req2 := pair(t, c, "inproc://lockstep", drivers.REP, drivers.REQ)
	mustSend(t, req2, drivers.MsgFromStrings("q"))
	wantKind(t, "second send on REQ", req2.Send(bound(t, time.Second), drivers.MsgFromStrings("q")), drivers.KindInvalidState)
	wantKind(t, "send on fresh REP", rep.Send(bound(t, time.Second), drivers.MsgFromStrings("r")), drivers.KindInvalidState)
}

// TestSocketTypeRefusals: operations a socket type does not have are
// KindNotAllowed (libzmq ENOTSUP), returned at once.
func TestSocketTypeRefusals(t *testing.T) {
	c := newTestContext(t, Name)
	pub := mustSocket(t, c, drivers.PUB)
	sub := mustSocket(t, c, drivers.SUB)
	pull := mustSocket(t, c, drivers.PULL)
	push := mustSocket(t, c, drivers.PUSH)
	var err error
	el := timed(func() { _, err = pub.Recv(bound(t, time.Second)) })
	wantKind(t, "recv on PUB", err, drivers.KindNotAllowed)
	if el > 50*time.Millisecond {
		t.Errorf("recv on PUB took %v, want immediate", el)
	}
	wantKind(t, "send on SUB", sub.Send(bound(t, time.Second), drivers.MsgFromStrings("x")), drivers.KindNotAllowed)
	wantKind(t, "send on PULL", pull.Send(bound(t, time.Second), drivers.MsgFromStrings("x")), drivers.KindNotAllowed)
	_, err = push.Recv(bound(t, time.Second))
	wantKind(t, "recv on PUSH", err, drivers.KindNotAllowed)
}

// TestRouterMandatory: sending to an unknown peer is EHOSTUNREACH with
// ROUTER_MANDATORY, silently dropped without it.
func TestRouterMandatory(t *testing.T) {
	c := newTestContext(t, Name)
	r := mustSocket(t, c, drivers.ROUTER)
	mustSend(t, r, drivers.MsgFromStrings("nobody", "x"))
	mustOption(t, r, drivers.ROUTER_MANDATORY, 1)
	wantKind(t, "send to unknown peer", r.Send(bound(t, time.Second), drivers.MsgFromStrings("nobody", "x")), drivers.KindHostUnreachable)
}

// TestUseAfterClose: every call on a closed socket is KindClosed, a second
// Close is nil, and nothing crashes.
func TestUseAfterClose(t *testing.T) {
	for _, name := range driverNames {
		c := newTestContext(t, name)
		s := mustSocket(t, c, drivers.DEALER)
		if err := s.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		wantKind(t, "send", s.Send(bound(t, time.Second), drivers.MsgFromStrings("x")), drivers.KindClosed)
		_, err := s.Recv(bound(t, time.Second))
		wantKind(t, "recv", err, drivers.KindClosed)
		wantKind(t, "bind", s.Bind("inproc://x"), drivers.KindClosed)
		wantKind(t, "connect", s.Connect("inproc://x"), drivers.KindClosed)
		wantKind(t, "setsockopt", s.SetOption(drivers.SNDHWM, 1), drivers.KindClosed)
		if err := s.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
	}
}

// TestContextClose: closing the context closes its open sockets (even with
// unsent messages to a dead peer, thanks to LINGER 0), refuses new ones, and
// waits for a call in progress.
func TestContextClose(t *testing.T) {
	d, err := drivers.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	push := mustSocket(t, c, drivers.PUSH)
	if err := push.Connect("tcp://127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	mustSend(t, push, drivers.MsgFromStrings("never delivered"))
	// Occupy the PULL's owner as a blocked Recv would, for 200 ms.
	pull := mustSocket(t, c, drivers.PULL)
	started := make(chan struct{})
	busyErr := make(chan error, 1)
	go func() {
		busyErr <- pull.(*socket).do(context.Background(), "busy", func() error {
			close(started)
			time.Sleep(200 * time.Millisecond) // stands for a call blocked in libzmq
			return nil
		})
	}()
	<-started
	var closeErr error
	el := timed(func() { closeErr = c.Close() })
	if closeErr != nil {
		t.Fatalf("context close: %v", closeErr)
	}
	if el < 190*time.Millisecond || el > 200*time.Millisecond+slack {
		t.Errorf("context close took %v, want to wait out the 200ms call in progress", el)
	}
	if err := <-busyErr; err != nil {
		t.Errorf("call in progress: %v", err)
	}
	_, err = pull.Recv(bound(t, time.Second))
	wantKind(t, "recv after context close", err, drivers.KindClosed)
	wantKind(t, "send after context close", push.Send(bound(t, time.Second), drivers.MsgFromStrings("x")), drivers.KindClosed)
	_, err = c.NewSocket(drivers.PAIR)
	wantKind(t, "new socket after context close", err, drivers.KindClosed)
	if err := c.Close(); err != nil {
		t.Errorf("second context close: %v", err)
	}
}

// TestInprocIsPerContext: an inproc name bound in one context does not
// exist in another (each drivers.Context has its own libzmq context).
func TestInprocIsPerContext(t *testing.T) {
	c1 := newTestContext(t, Name)
	c2 := newTestContext(t, Name)
	pull := mustSocket(t, c1, drivers.PULL)
	if err := pull.Bind("inproc://ctx-only"); err != nil {
		t.Fatal(err)
	}
	push := mustSocket(t, c2, drivers.PUSH)
	if err := push.Connect("inproc://ctx-only"); err != nil {
		t.Fatal(err)
	}
	// libzmq queues to a not-yet-bound inproc peer; the message stays
	// in c2 and never reaches c1's PULL.
	mustSend(t, push, drivers.MsgFromStrings("x"))
	_, err := pull.Recv(bound(t, 200*time.Millisecond))
	wantKind(t, "recv across contexts", err, drivers.KindTimeout)
}

// TestBindErrors: errors outside the kinds keep libzmq's message.
func TestBindErrors(t *testing.T) {
	c := newTestContext(t, Name)
	ep, err := newTestEndpoints(t).New(drivers.TCP)
	if err != nil {
		t.Fatal(err)
	}
	a := mustSocket(t, c, drivers.PULL)
	if err := a.Bind(ep); err != nil {
		t.Fatal(err)
	}
	b := mustSocket(t, c, drivers.PULL)
	err = b.Bind(ep)
	wantKind(t, "second bind", err, drivers.KindOther)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second bind: %v, want libzmq's 'Address already in use'", err)
	}
	wantKind(t, "bad endpoint", b.Connect("nonsense://x"), drivers.KindOther)
	wantKind(t, "empty message", a.Send(bound(t, time.Second), drivers.Msg{}), drivers.KindOther)
}

// TestIPCFilesRemoved: no ipc socket file is left once its socket is
// closed, by Socket.Close or by Context.Close.
func TestIPCFilesRemoved(t *testing.T) {
	eps := newTestEndpoints(t)
	d, err := drivers.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := d.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	var socks []drivers.Socket
	for i := 0; i < 3; i++ {
		ep, err := eps.New(drivers.IPC)
		if err != nil {
			t.Fatal(err)
		}
		s := mustSocket(t, c, drivers.PULL)
		if err := s.Bind(ep); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, strings.TrimPrefix(ep, "ipc://"))
		socks = append(socks, s)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("ipc file missing while bound: %v", err)
		}
	}
	// libzmq 4.3 leaves the file on close; the driver removes it before
	// Close returns.
	if err := socks[0].Close(); err != nil {
		t.Fatal(err)
	}
	if exists(paths[0]) {
		t.Errorf("%s still exists after its socket closed", paths[0])
	}
	// A wildcard bind: libzmq makes a private directory under TMPDIR.
	t.Setenv("TMPDIR", eps.Dir())
	wild := mustSocket(t, c, drivers.PULL)
	if err := wild.Bind("ipc://*"); err != nil {
		t.Fatal(err)
	}
	if files := wild.(*socket).ipcFiles; len(files) != 1 || !exists(files[0].path) {
		t.Fatalf("wildcard bind recorded %v, want one existing file", files)
	}
	// Context.Close returns after zmq_ctx_term, when the reaper is done.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(eps.Dir(), "*"))
	if len(left) != 0 {
		t.Errorf("files left after context close: %v", left)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestRegistry: both names resolve, and Version reports the loaded libzmq.
func TestRegistry(t *testing.T) {
	names := drivers.Names()
	for _, n := range driverNames {
		found := false
		for _, m := range names {
			found = found || m == n
		}
		if !found {
			t.Errorf("%s not listed in %v", n, names)
		}
		d, err := drivers.Lookup(n)
		if err != nil {
			t.Fatal(err)
		}
		if d.Name() != n {
			t.Errorf("Name() = %q, want %q", d.Name(), n)
		}
		v := d.Version()
		if !strings.HasPrefix(v, "libzmq 4.") {
			t.Errorf("%s: Version() = %q, want libzmq 4.x", n, v)
		}
		if want := n == BindingName; strings.Contains(v, bindingModule) != want {
			t.Errorf("%s: Version() = %q; binding info expected: %v", n, v, want)
		}
		t.Logf("%s: %s", n, v)
	}
}

// TestPinnedBindingVersion: test binaries carry no module list, so Version
// falls back to bindingPinned, which must match go.mod.
func TestPinnedBindingVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Skipf("go.mod not found: %v", err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/pebbe/zmq4 (\S+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod does not require github.com/pebbe/zmq4")
	}
	if string(m[1]) != bindingPinned {
		t.Errorf("bindingPinned = %s, go.mod has %s", bindingPinned, m[1])
	}
}

// TestLingerKept: Close uses LINGER 0 unless the scenario set LINGER, in
// which case terminating the context waits out the scenario's value for a
// message that cannot be delivered (libzmq API §LINGER-2).
func TestLingerKept(t *testing.T) {
	for _, tc := range []struct {
		linger   int // -2: not set
		min, max time.Duration
	}{
		{-2, 0, slack},
		{300, 290 * time.Millisecond, 300*time.Millisecond + slack},
	} {
		d, err := drivers.Lookup(Name)
		if err != nil {
			t.Fatal(err)
		}
		c, err := d.NewContext()
		if err != nil {
			t.Fatal(err)
		}
		push := mustSocket(t, c, drivers.PUSH)
		if tc.linger != -2 {
			mustOption(t, push, drivers.LINGER, tc.linger)
		}
		// Port 1 on loopback refuses connections, so the message stays queued.
		if err := push.Connect("tcp://127.0.0.1:1"); err != nil {
			t.Fatal(err)
		}
		mustSend(t, push, drivers.MsgFromStrings("stuck"))
		el := timed(func() { err = c.Close() })
		if err != nil {
			t.Fatal(err)
		}
		if el < tc.min || el > tc.max {
			t.Errorf("LINGER %d: context close took %v, want [%v, %v]", tc.linger, el, tc.min, tc.max)
		}
	}
}
