//go:build cgo

package libzmq

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// slack is the contract's upper bound on deadline overshoot (ruling 4).
const slack = 100 * time.Millisecond

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// TestRecvDeadline: Recv with nothing to receive returns KindTimeout no
// earlier than the deadline and within deadline+100 ms, on every transport
// and for several deadlines. It logs the worst overshoot.
func TestRecvDeadline(t *testing.T) {
	var mu sync.Mutex
	var worst time.Duration
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		pull, _ := pair(t, c, ep, drivers.PULL, drivers.PUSH)
		for _, d := range []time.Duration{10 * time.Millisecond, 50 * time.Millisecond, 137 * time.Millisecond, 300 * time.Millisecond} {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			dl, _ := ctx.Deadline()
			var err error
			timed(func() { _, err = pull.Recv(ctx) })
			over := time.Since(dl)
			cancel()
			wantKind(t, "recv "+d.String(), err, drivers.KindTimeout)
			if over < 0 {
				t.Errorf("recv %v: returned %v before the deadline", d, -over)
			}
			if over > slack {
				t.Errorf("recv %v: overshot the deadline by %v (bound %v)", d, over, slack)
			}
			mu.Lock()
			worst = max(worst, over)
			mu.Unlock()
		}
	})
	t.Logf("worst Recv deadline overshoot: %v", worst)
}

// TestSendDeadline: a PUSH with no peer blocks; Send ends at the deadline.
func TestSendDeadline(t *testing.T) {
	c := newTestContext(t, Name)
	push := mustSocket(t, c, drivers.PUSH)
	ctx := bound(t, 150*time.Millisecond)
	dl, _ := ctx.Deadline()
	err := push.Send(ctx, drivers.MsgFromStrings("x"))
	over := time.Since(dl)
	wantKind(t, "send without peer", err, drivers.KindTimeout)
	if over < 0 || over > slack {
		t.Errorf("send ended %v after the deadline, want within [0, %v]", over, slack)
	}
	t.Logf("Send deadline overshoot: %v", over)
}

// TestUserRcvtimeo: a scenario's RCVTIMEO shorter than the deadline is the
// behaviour under test, so Recv times out at it; a later Recv with a
// shorter deadline still ends at the deadline (the cached socket timeout
// is changed back and forth).
func TestUserRcvtimeo(t *testing.T) {
	c := newTestContext(t, Name)
	pull := mustSocket(t, c, drivers.PULL)
	mustOption(t, pull, drivers.RCVTIMEO, 250)
	for i, tc := range []struct {
		deadline, lo, hi time.Duration
	}{
		{2 * time.Second, 249 * time.Millisecond, 250*time.Millisecond + slack},
		{100 * time.Millisecond, 100 * time.Millisecond, 100*time.Millisecond + slack},
		{2 * time.Second, 249 * time.Millisecond, 250*time.Millisecond + slack},
	} {
		var err error
		el := timed(func() { _, err = pull.Recv(bound(t, tc.deadline)) })
		wantKind(t, "recv", err, drivers.KindTimeout)
		if el < tc.lo || el > tc.hi {
			t.Errorf("recv %d (deadline %v): took %v, want [%v, %v]", i, tc.deadline, el, tc.lo, tc.hi)
		}
	}
}

// TestUserSndtimeo: as TestUserRcvtimeo for SNDTIMEO on a PUSH with no peer.
func TestUserSndtimeo(t *testing.T) {
	c := newTestContext(t, Name)
	push := mustSocket(t, c, drivers.PUSH)
	mustOption(t, push, drivers.SNDTIMEO, 250)
	var err error
	el := timed(func() { err = push.Send(bound(t, 2*time.Second), drivers.MsgFromStrings("x")) })
	wantKind(t, "send", err, drivers.KindTimeout)
	if el < 249*time.Millisecond || el > 250*time.Millisecond+slack {
		t.Errorf("send took %v, want about 250ms", el)
	}
}

// TestZeroTimeouts: RCVTIMEO 0, and a deadline already passed, both give
// an immediate timeout instead of blocking.
func TestZeroTimeouts(t *testing.T) {
	c := newTestContext(t, Name)
	pull := mustSocket(t, c, drivers.PULL)
	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	var err error
	el := timed(func() { _, err = pull.Recv(past) })
	wantKind(t, "recv past deadline", err, drivers.KindTimeout)
	mustOption(t, pull, drivers.RCVTIMEO, 0)
	el2 := timed(func() { _, err = pull.Recv(bound(t, 2*time.Second)) })
	wantKind(t, "recv RCVTIMEO=0", err, drivers.KindTimeout)
	if el > 50*time.Millisecond || el2 > 50*time.Millisecond {
		t.Errorf("took %v and %v, want < 50ms each", el, el2)
	}
}

// TestLateMessageGoesToNextRecv: a message that arrives after a Recv timed
// out is the next Recv's result (ruling 8), not lost.
func TestLateMessageGoesToNextRecv(t *testing.T) {
	c := newTestContext(t, Name)
	pull, push := pair(t, c, "inproc://late", drivers.PULL, drivers.PUSH)
	_, err := pull.Recv(bound(t, 20*time.Millisecond))
	wantKind(t, "first recv", err, drivers.KindTimeout)
	mustSend(t, push, drivers.MsgFromStrings("late"))
	wantMsg(t, "next recv", mustRecv(t, pull), drivers.MsgFromStrings("late"))
}

// TestSendWhileOwnerBusy: a Send from another goroutine waits for the
// owner goroutine, busy with another call (as with a Recv blocked on an
// empty queue); if the Send's own deadline passes first it times out
// without having run, and once the owner is free the next Send goes through.
func TestSendWhileOwnerBusy(t *testing.T) {
	c := newTestContext(t, Name)
	a, b := pair(t, c, "inproc://busy", drivers.PAIR, drivers.PAIR)
	s := a.(*socket)
	started, release := make(chan struct{}), make(chan struct{})
	busyDone := make(chan error, 1)
	go func() {
		busyDone <- s.do(context.Background(), "busy", func() error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	var err error
	el := timed(func() { err = a.Send(bound(t, 100*time.Millisecond), drivers.MsgFromStrings("x")) })
	close(release)
	wantKind(t, "send while owner busy", err, drivers.KindTimeout)
	if el < 100*time.Millisecond || el > 100*time.Millisecond+slack {
		t.Errorf("send took %v, want about 100ms", el)
	}
	if err := <-busyDone; err != nil {
		t.Fatal(err)
	}
	// The timed-out Send never ran: b has nothing.
	_, err = b.Recv(bound(t, 100*time.Millisecond))
	wantKind(t, "peer recv", err, drivers.KindTimeout)
	mustSend(t, a, drivers.MsgFromStrings("y"))
	wantMsg(t, "peer got", mustRecv(t, b), drivers.MsgFromStrings("y"))
}

// TestConcurrentCallers: several goroutines send on one socket and set
// options on it while the test receives; under -race this checks that the
// owner goroutine serialises every libzmq call. (Send and Recv on the
// same socket from two goroutines are not mixed here: a Recv blocked on an
// empty queue holds the owner, so such a Send waits; see
// TestSendWhileOwnerBusy.)
func TestConcurrentCallers(t *testing.T) {
	c := newTestContext(t, Name)
	pull, push := pair(t, c, "inproc://conc", drivers.PULL, drivers.PUSH)
	const senders, n = 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, senders+1)
	for g := 0; g < senders; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n; i++ {
				if err := push.Send(bound(t, 2*time.Second), drivers.MsgFromStrings("m", "x")); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < n; i++ {
			if err := push.SetOption(drivers.RECONNECT_IVL, 100+i); err != nil {
				errs <- err
				return
			}
		}
	}()
	for i := 0; i < senders*n; i++ {
		wantMsg(t, "PULL got", mustRecv(t, pull), drivers.MsgFromStrings("m", "x"))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestTimeoutCache: with messages waiting, calls with similar deadlines do
// not change the socket's RCVTIMEO after the first (no setsockopt per
// call), and a shorter deadline still sets its own value.
func TestTimeoutCache(t *testing.T) {
	c := newTestContext(t, Name)
	pull, push := pair(t, c, "inproc://cache", drivers.PULL, drivers.PUSH)
	s := pull.(*socket)
	for i := 0; i < 6; i++ {
		mustSend(t, push, drivers.MsgFromStrings("m"))
	}
	mustRecv(t, pull)
	first := s.rcv.cur
	if first < 1900 || first > 2000 {
		t.Fatalf("RCVTIMEO after a 2s-deadline Recv = %d, want about 2000", first)
	}
	for i := 0; i < 4; i++ {
		mustRecv(t, pull)
		if s.rcv.cur != first {
			t.Errorf("Recv %d changed RCVTIMEO from %d to %d", i, first, s.rcv.cur)
		}
	}
	if _, err := pull.Recv(bound(t, 500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if s.rcv.cur > 500 {
		t.Errorf("RCVTIMEO %d after a 500ms-deadline Recv, want <= 500", s.rcv.cur)
	}
}
