package gozmq

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

func TestReqRep(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		rep, req := e.pair(tr, drivers.REP, drivers.REQ)
		for i := 0; i < 3; i++ {
			mustSend(t, req, drivers.MsgFromStrings("ping"))
			wantMsg(t, mustRecv(t, rep), "ping")
			mustSend(t, rep, drivers.MsgFromStrings("pong"))
			wantMsg(t, mustRecv(t, req), "pong")
		}
	})
}

func TestPushPull(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		pull, push := e.pair(tr, drivers.PULL, drivers.PUSH)
		for _, s := range []string{"a", "b", "c"} {
			mustSend(t, push, drivers.MsgFromStrings(s))
		}
		for _, s := range []string{"a", "b", "c"} {
			wantMsg(t, mustRecv(t, pull), s)
		}
	})
}

func TestPair(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		a, b := e.pair(tr, drivers.PAIR, drivers.PAIR)
		mustSend(t, b, drivers.MsgFromStrings("to-a"))
		wantMsg(t, mustRecv(t, a), "to-a")
		mustSend(t, a, drivers.MsgFromStrings("to-b"))
		wantMsg(t, mustRecv(t, b), "to-b")
	})
}

func TestDealerRouter(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		router, dealer := e.pair(tr, drivers.ROUTER, drivers.DEALER, func(_, c drivers.Socket) {
			if err := c.SetOption(drivers.ROUTING_ID, []byte("dealer-1")); err != nil {
				t.Fatalf("ROUTING_ID: %v", err)
			}
		})
		mustSend(t, dealer, drivers.MsgFromStrings("", "hello"))
		wantMsg(t, mustRecv(t, router), "dealer-1", "", "hello")
		mustSend(t, router, drivers.MsgFromStrings("dealer-1", "", "world"))
		wantMsg(t, mustRecv(t, dealer), "", "world")
	})
}

// TestPubSub synchronises on the subscription by probing: PUB sends probes
// until one reaches SUB, so no sleep decides whether it has arrived.
func TestPubSub(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		e := newEnv(t)
		pub, sub := e.pair(tr, drivers.PUB, drivers.SUB, func(_, c drivers.Socket) {
			if err := c.SetOption(drivers.SUBSCRIBE, "news"); err != nil {
				t.Fatalf("SUBSCRIBE: %v", err)
			}
		})
		syncSub(t, pub, sub, "news")
		mustSend(t, pub, drivers.MsgFromStrings("other", "dropped"))
		mustSend(t, pub, drivers.MsgFromStrings("news", "kept"))
		for {
			m := mustRecv(t, sub)
			if string(m[0]) == "news-probe" {
				continue // a probe sent before the first one arrived
			}
			wantMsg(t, m, "news", "kept")
			break
		}
	})
}

// syncSub sends probes on pub until sub receives one.
func syncSub(t *testing.T, pub, sub drivers.Socket, topic string) {
	t.Helper()
	limit := time.Now().Add(step)
	for time.Now().Before(limit) {
		mustSend(t, pub, drivers.MsgFromStrings(topic+"-probe"))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		m, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			wantMsg(t, m, topic+"-probe")
			return
		}
		if drivers.KindOf(err) != drivers.KindTimeout {
			t.Fatalf("probe Recv: %v", err)
		}
	}
	t.Fatalf("subscription not seen within %v", step)
}

// TestMultipart sends a message with an empty frame and a 1 MiB frame. On
// inproc, go-zeromq corrupts every frame longer than 255 bytes (see
// TestInprocLongFrameCrashes), so there the big frame is 255 bytes and the
// 1 MiB case runs in TestInprocLongFrameCrashes, which expects the crash.
func TestMultipart(t *testing.T) {
	forTransports(t, func(t *testing.T, tr drivers.Transport) {
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		if tr == drivers.Inproc {
			big = big[:255]
		}
		e := newEnv(t)
		pull, push := e.pair(tr, drivers.PULL, drivers.PUSH)
		mustSend(t, push, drivers.Msg{[]byte("head"), {}, big, []byte("tail")})
		got := mustRecv(t, pull)
		if len(got) != 4 || string(got[0]) != "head" || len(got[1]) != 0 || got[1] == nil ||
			!bytes.Equal(got[2], big) || string(got[3]) != "tail" {
			t.Fatalf("got %d frames (sizes %v), want head, empty, %d bytes, tail", len(got), sizes(got), len(big))
		}
		// A single empty frame is a message too.
		mustSend(t, push, drivers.Msg{{}})
		if got := mustRecv(t, pull); len(got) != 1 || len(got[0]) != 0 {
			t.Fatalf("empty message: got sizes %v", sizes(got))
		}
	})
}

func sizes(m drivers.Msg) []int {
	s := make([]int, len(m))
	for i, f := range m {
		s[i] = len(f)
	}
	return s
}
