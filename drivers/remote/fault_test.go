package remote_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/remote"
)

// exchange makes a PAIR couple over ipc in c and returns the sockets.
func pairOver(t *testing.T, c drivers.Context, eps *drivers.Endpoints) (a, b drivers.Socket) {
	t.Helper()
	ep, err := eps.New(drivers.IPC)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = c.NewSocket(drivers.PAIR); err != nil {
		t.Fatal(err)
	}
	if b, err = c.NewSocket(drivers.PAIR); err != nil {
		t.Fatal(err)
	}
	if err := a.Bind(ep); err != nil {
		t.Fatal(err)
	}
	if err := b.Connect(ep); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// roundTrip sends one message a→b and checks it arrives.
func roundTrip(t *testing.T, a, b drivers.Socket, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Send(ctx, drivers.MsgFromStrings(body)); err != nil {
		t.Fatalf("send %q: %v", body, err)
	}
	m, err := b.Recv(ctx)
	if err != nil || len(m) != 1 || string(m[0]) != body {
		t.Fatalf("recv: got %q, %v; want %q", m, err, body)
	}
}

// TestProcessFaults: each process-level fault of drivers/faulty, injected
// into the agent, gives its kind within a bounded time, with the exit
// status and the stderr evidence; every later call on that context gives
// the same kind; a fresh context works; nothing is left behind.
func TestProcessFaults(t *testing.T) {
	const recvDeadline = 300 * time.Millisecond
	faults := []struct {
		fault    string
		kind     drivers.Kind
		evidence []string // all must appear in the error
	}{
		{"panic=2", drivers.KindCrashed, []string{"exit status 2", "faulty: injected panic on send 2"}},
		{"exit=2", drivers.KindCrashed, []string{"exit status 3", "injected os.Exit(3) on send 2"}},
		{"segv=2", drivers.KindCrashed, []string{"exit status 2", "SIGSEGV"}},
		{"hang=2", drivers.KindHung, []string{"signal: killed", "did not answer recv"}},
	}
	for _, f := range faults {
		t.Run(f.fault, func(t *testing.T) {
			noChildrenLeft(t)
			eps, err := drivers.NewEndpoints()
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := eps.Close(); err != nil {
					t.Error(err)
				}
				if _, err := os.Stat(eps.Dir()); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("ipc directory %s left behind", eps.Dir())
				}
			}()
			d := lookup(t, "remote:faulty:"+f.fault+"/libzmq")
			c, err := d.NewContext()
			if err != nil {
				t.Fatal(err)
			}
			a, b := pairOver(t, c, eps)
			roundTrip(t, a, b, "first") // the fault strikes the 2nd send or receive

			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), recvDeadline)
			defer cancel()
			err = a.Send(ctx, drivers.MsgFromStrings("second"))
			if f.kind == drivers.KindHung {
				if err != nil {
					t.Fatalf("second send: %v", err)
				}
				_, err = b.Recv(ctx)
			}
			took := time.Since(start)
			if drivers.KindOf(err) != f.kind {
				t.Fatalf("faulted call: got %v (kind %v), want kind %v", err, drivers.KindOf(err), f.kind)
			}
			bound := 2 * time.Second // a crash is seen when the pipe closes
			if f.kind == drivers.KindHung {
				bound = recvDeadline + remote.Margin + time.Second
			}
			within(t, "the faulted call", took, bound)
			for _, e := range f.evidence {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("error lacks %q:\n%v", e, err)
				}
			}
			var pe *remote.ProcessError
			if !errors.As(err, &pe) || pe.Pid == 0 {
				t.Errorf("error carries no *remote.ProcessError: %#v", err)
			}
			t.Logf("%.300s ...", err)

			// The rest of the context answers with the same kind, at once.
			start = time.Now()
			ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel2()
			_, rerr := b.Recv(ctx2)
			for what, err := range map[string]error{
				"Recv": rerr, "Send": a.Send(ctx2, drivers.MsgFromStrings("x")),
				"Bind": a.Bind("tcp://127.0.0.1:1"), "SetOption": b.SetOption(drivers.LINGER, 0),
				"NewSocket": func() error { _, err := c.NewSocket(drivers.PAIR); return err }(),
				"Close":     a.Close(), "Context.Close": c.Close(),
			} {
				if drivers.KindOf(err) != f.kind {
					t.Errorf("%s after the fault: got %v, want kind %v", what, err, f.kind)
				}
			}
			within(t, "calls after the fault", time.Since(start), time.Second)

			// A fresh context is a fresh agent: the run goes on.
			c2, err := d.NewContext()
			if err != nil {
				t.Fatal(err)
			}
			a2, b2 := pairOver(t, c2, eps)
			roundTrip(t, a2, b2, "fresh")
			if err := c2.Close(); err != nil {
				t.Errorf("close of the fresh context: %v", err)
			}
		})
	}
}
