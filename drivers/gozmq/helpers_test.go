package gozmq

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// step bounds every blocking call in these tests.
const step = 3 * time.Second

// env is one test's context and endpoints, closed by t.Cleanup.
type env struct {
	t   *testing.T
	ctx drivers.Context
	eps *drivers.Endpoints
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c, err := New().NewContext()
	if err != nil {
		t.Fatalf("NewContext: %v", err)
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatalf("NewEndpoints: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil && drivers.KindOf(err) != drivers.KindClosed {
			t.Errorf("context Close: %v", err)
		}
		// Every ipc file must be gone once its socket is closed.
		if ents, err := os.ReadDir(eps.Dir()); err == nil && len(ents) > 0 {
			t.Errorf("ipc files left after Close: %v", ents)
		}
		eps.Close()
	})
	return &env{t: t, ctx: c, eps: eps}
}

func (e *env) socket(typ drivers.SocketType) drivers.Socket {
	e.t.Helper()
	s, err := e.ctx.NewSocket(typ)
	if err != nil {
		e.t.Fatalf("NewSocket(%s): %v", typ, err)
	}
	return s
}

func (e *env) endpoint(tr drivers.Transport) string {
	e.t.Helper()
	ep, err := e.eps.New(tr)
	if err != nil {
		e.t.Fatalf("endpoint: %v", err)
	}
	return ep
}

// pair binds a socket of type bt and connects one of type ct to it.
func (e *env) pair(tr drivers.Transport, bt, ct drivers.SocketType, opts ...func(b, c drivers.Socket)) (b, c drivers.Socket) {
	e.t.Helper()
	b, c = e.socket(bt), e.socket(ct)
	for _, o := range opts {
		o(b, c)
	}
	ep := e.endpoint(tr)
	if err := b.Bind(ep); err != nil {
		e.t.Fatalf("%s Bind(%s): %v", bt, ep, err)
	}
	if err := c.Connect(ep); err != nil {
		e.t.Fatalf("%s Connect(%s): %v", ct, ep, err)
	}
	return b, c
}

func deadline(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func mustSend(t *testing.T, s drivers.Socket, m drivers.Msg) {
	t.Helper()
	ctx, cancel := deadline(step)
	defer cancel()
	if err := s.Send(ctx, m); err != nil {
		t.Fatalf("%s Send: %v", s.Type(), err)
	}
}

func mustRecv(t *testing.T, s drivers.Socket) drivers.Msg {
	t.Helper()
	ctx, cancel := deadline(step)
	defer cancel()
	m, err := s.Recv(ctx)
	if err != nil {
		t.Fatalf("%s Recv: %v", s.Type(), err)
	}
	return m
}

func wantMsg(t *testing.T, got drivers.Msg, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d frames %q, want %q", len(got), got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Fatalf("frame %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

func wantKind(t *testing.T, what string, err error, k drivers.Kind) {
	t.Helper()
	if got := drivers.KindOf(err); got != k {
		t.Fatalf("%s: got kind %v (%v), want %v", what, got, err, k)
	}
	if !errors.Is(err, &drivers.Error{Kind: k}) {
		t.Fatalf("%s: errors.Is(%v, kind %v) is false", what, err, k)
	}
}

// forTransports runs f once per transport as a subtest.
func forTransports(t *testing.T, f func(t *testing.T, tr drivers.Transport)) {
	for _, tr := range drivers.AllTransports {
		t.Run(string(tr), func(t *testing.T) { f(t, tr) })
	}
}
