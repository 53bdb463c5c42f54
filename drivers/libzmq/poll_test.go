//go:build cgo

package libzmq

import (
	"context"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

func poll(t *testing.T, c drivers.Context, d time.Duration, items ...drivers.PollItem) ([]drivers.PollEvents, time.Duration) {
	t.Helper()
	// The clock starts before the deadline is set, so a poll that returns
	// exactly at its deadline measures at least d.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	got, err := c.(drivers.Poller).Poll(ctx, items)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return got, time.Since(start)
}

// TestPollReadiness: nothing ready waits out the deadline (never less);
// a queued message makes exactly its socket readable, and polling does not
// take it.
func TestPollReadiness(t *testing.T) {
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		pull, push := pair(t, c, ep, drivers.PULL, drivers.PUSH)
		other := mustSocket(t, c, drivers.PULL)
		items := []drivers.PollItem{{Socket: pull, Events: drivers.PollIn}, {Socket: other, Events: drivers.PollIn}}

		got, took := poll(t, c, 150*time.Millisecond, items...)
		if got[0] != 0 || got[1] != 0 || took < 150*time.Millisecond {
			t.Fatalf("idle poll: got %v after %v, want nothing after ≥ 150ms", got, took)
		}
		if err := push.Send(context.Background(), drivers.Msg{[]byte("a"), []byte("b")}); err != nil {
			t.Fatal(err)
		}
		got, took = poll(t, c, 2*time.Second, items...)
		if got[0] != drivers.PollIn || got[1] != 0 || took > time.Second {
			t.Fatalf("poll after send: got %v after %v, want [in none] at once", got, took)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		m, err := pull.Recv(ctx)
		if err != nil {
			t.Fatalf("recv after poll: %v (poll must not take the message)", err)
		}
		wantMsg(t, "recv after poll", m, drivers.Msg{[]byte("a"), []byte("b")})
	})
}

// TestPollOut: a PUSH with no peer is not writable; with one it is.
func TestPollOut(t *testing.T) {
	c := newTestContext(t, Name)
	ep, err := newTestEndpoints(t).New(drivers.Inproc)
	if err != nil {
		t.Fatal(err)
	}
	push := mustSocket(t, c, drivers.PUSH)
	if err := push.Bind(ep); err != nil {
		t.Fatal(err)
	}
	item := drivers.PollItem{Socket: push, Events: drivers.PollOut | drivers.PollIn}
	if got, _ := poll(t, c, 100*time.Millisecond, item); got[0] != 0 {
		t.Fatalf("PUSH without peer: got %v, want none", got[0])
	}
	pull := mustSocket(t, c, drivers.PULL)
	if err := pull.Connect(ep); err != nil {
		t.Fatal(err)
	}
	if got, _ := poll(t, c, 2*time.Second, item); got[0] != drivers.PollOut {
		t.Fatalf("PUSH with a peer: got %v, want out", got[0])
	}
}

// TestPollWaitsForBusySocket: a socket blocked in a receive cannot be
// polled meanwhile. Which of the two reaches the owner first is up to the
// scheduler; either way the poll ends by its deadline (nothing ready, or
// the timeout kind if the receive held the socket) and the receive by its.
func TestPollWaitsForBusySocket(t *testing.T) {
	c := newTestContext(t, Name)
	pull := mustSocket(t, c, drivers.PULL)
	recvDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := pull.Recv(ctx)
		recvDone <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.(drivers.Poller).Poll(ctx, []drivers.PollItem{{Socket: pull, Events: drivers.PollIn}})
	if took := time.Since(start); took > time.Second {
		t.Fatalf("poll took %v with a 100ms deadline", took)
	}
	if err != nil && drivers.KindOf(err) != drivers.KindTimeout {
		t.Fatalf("poll: %v, want nil or the timeout kind", err)
	}
	if err := <-recvDone; drivers.KindOf(err) != drivers.KindTimeout {
		t.Fatalf("recv: %v, want the timeout kind", err)
	}
}

// TestCloseContextReleasesBlockedRecv: terminating a context while a
// receive is blocked makes that receive return the closed kind at once
// (zmq_ctx_term(3): blocking calls return ETERM), not at its deadline.
func TestCloseContextReleasesBlockedRecv(t *testing.T) {
	c, err := newContext()
	if err != nil {
		t.Fatal(err)
	}
	pull, err := c.NewSocket(drivers.PULL)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		err  error
		took time.Duration
	}
	done := make(chan result, 1)
	started := make(chan struct{})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		close(started)
		start := time.Now()
		_, err := pull.Recv(ctx)
		done <- result{err, time.Since(start)}
	}()
	<-started
	waitBusy(t, pull.(*socket))
	start := time.Now()
	if err := c.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	closeTook := time.Since(start)
	r := <-done
	if drivers.KindOf(r.err) != drivers.KindClosed || r.took > 2*time.Second || closeTook > 2*time.Second {
		t.Fatalf("recv: %v after %v, close took %v; want the closed kind promptly", r.err, r.took, closeTook)
	}
	t.Logf("recv returned %v after %v; close took %v", drivers.KindOf(r.err), r.took.Round(time.Millisecond), closeTook.Round(time.Millisecond))
}

// waitBusy returns once s's owner goroutine is occupied by a call (an op
// offered to it is not taken at once).
func waitBusy(t *testing.T, s *socket) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		select {
		case s.ops <- func() {}:
		default:
			return
		}
	}
	t.Fatal("no call occupied the socket within 2s")
}
