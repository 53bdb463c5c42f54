//go:build cgo

package libzmq

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zharness/zharness/drivers"
)

// TestMain fails the run if any owner goroutine outlives its socket.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// driverNames are both registrations; they share all code, and the tests
// that are cheap run on both so a wiring mistake in either shows.
var driverNames = []string{Name, BindingName}

// newTestContext looks name up in the registry and makes a context that is
// closed when the test ends.
func newTestContext(t *testing.T, name string) drivers.Context {
	t.Helper()
	d, err := drivers.Lookup(name)
	if err != nil {
		t.Fatalf("lookup %s: %v", name, err)
	}
	c, err := d.NewContext()
	if err != nil {
		t.Fatalf("new context: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("context close: %v", err)
		}
	})
	return c
}

// newTestEndpoints allocates endpoints removed when the test ends.
func newTestEndpoints(t *testing.T) *drivers.Endpoints {
	t.Helper()
	e, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func mustSocket(t *testing.T, c drivers.Context, typ drivers.SocketType) drivers.Socket {
	t.Helper()
	s, err := c.NewSocket(typ)
	if err != nil {
		t.Fatalf("new %s: %v", typ, err)
	}
	return s
}

func mustOption(t *testing.T, s drivers.Socket, o drivers.Option, v any) {
	t.Helper()
	if err := s.SetOption(o, v); err != nil {
		t.Fatalf("%s: set %s=%v: %v", s.Type(), o, v, err)
	}
}

// bound makes a context bounded by d (2 s is the checklist's T_w).
func bound(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustSend(t *testing.T, s drivers.Socket, m drivers.Msg) {
	t.Helper()
	if err := s.Send(bound(t, 2*time.Second), m); err != nil {
		t.Fatalf("%s: send %q: %v", s.Type(), m, err)
	}
}

func mustRecv(t *testing.T, s drivers.Socket) drivers.Msg {
	t.Helper()
	m, err := s.Recv(bound(t, 2*time.Second))
	if err != nil {
		t.Fatalf("%s: recv: %v", s.Type(), err)
	}
	return m
}

// wantKind fails unless err has kind k.
func wantKind(t *testing.T, what string, err error, k drivers.Kind) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got success, want kind %v", what, k)
		return
	}
	if got := drivers.KindOf(err); got != k {
		t.Errorf("%s: got kind %v (err %v), want %v", what, got, err, k)
	}
}
