package gozmq

import (
	"context"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// TestRecvTimeout: Recv with no peer returns KindTimeout no earlier than
// its deadline and at most 100 ms after it (decisions.md, ruling 4).
func TestRecvTimeout(t *testing.T) {
	const d = 100 * time.Millisecond
	var worst time.Duration
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		for _, typ := range []drivers.SocketType{drivers.PULL, drivers.SUB, drivers.REP, drivers.DEALER, drivers.ROUTER, drivers.PAIR, drivers.XSUB} {
			s := e.socket(typ)
			if err := s.Bind(e.endpoint(tr)); err != nil {
				t.Fatalf("%s Bind: %v", typ, err)
			}
			for i := 0; i < 2; i++ { // the second round hits the in-flight path
				ctx, cancel := deadline(d)
				dl, _ := ctx.Deadline()
				_, err := s.Recv(ctx)
				end := time.Now()
				cancel()
				wantKind(t, string(typ)+" Recv", err, drivers.KindTimeout)
				if end.Before(dl) {
					t.Errorf("%s Recv returned %v before its deadline", typ, dl.Sub(end))
				}
				over := end.Sub(dl)
				if over > 100*time.Millisecond {
					t.Errorf("%s Recv overshot its deadline by %v", typ, over)
				}
				worst = max(worst, over)
			}
		}
	})
	t.Logf("worst Recv timeout overshoot: %v", worst)
}

// TestRecvCancelled: a Recv whose context is cancelled (not timed out)
// returns at the cancellation with an error that is not KindTimeout.
func TestRecvCancelled(t *testing.T) {
	e := newEnv(t)
	s := e.socket(drivers.PULL)
	if err := s.Bind(e.endpoint(drivers.TCP)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := s.Recv(ctx)
	if err == nil || drivers.KindOf(err) == drivers.KindTimeout {
		t.Fatalf("cancelled Recv: got %v, want a non-timeout error", err)
	}
}

// TestLateRecvHandoff: receives that timed out leave one library Recv in
// flight, whose result goes to the next Recv; a second library call was
// never started, so no message is lost to an abandoned call.
func TestLateRecvHandoff(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		pull, push := e.pair(tr, drivers.PULL, drivers.PUSH)
		for i := 0; i < 3; i++ {
			ctx, cancel := deadline(30 * time.Millisecond)
			_, err := pull.Recv(ctx)
			cancel()
			wantKind(t, "early Recv", err, drivers.KindTimeout)
		}
		mustSend(t, push, drivers.MsgFromStrings("first"))
		mustSend(t, push, drivers.MsgFromStrings("second"))
		wantMsg(t, mustRecv(t, pull), "first")
		wantMsg(t, mustRecv(t, pull), "second")
	})
}

// TestLateSendHandoff: a PUSH with no peer blocks in the library's Send
// (mwriter.write waits for a connection, msgio.go); the timed-out send
// stays in flight, completes once a peer connects, and the next Send
// waits for it before sending its own message, so order is kept.
func TestLateSendHandoff(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		push, pull := e.socket(drivers.PUSH), e.socket(drivers.PULL)
		ep := e.endpoint(tr)
		if err := push.Bind(ep); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := deadline(50 * time.Millisecond)
		err := push.Send(ctx, drivers.MsgFromStrings("early"))
		cancel()
		wantKind(t, "Send with no peer", err, drivers.KindTimeout)
		if err := pull.Connect(ep); err != nil {
			t.Fatal(err)
		}
		mustSend(t, push, drivers.MsgFromStrings("next"))
		wantMsg(t, mustRecv(t, pull), "early")
		wantMsg(t, mustRecv(t, pull), "next")
	})
}
