//go:build cgo

package libzmq

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// forEachTransport runs f as a subtest per driver and transport, with a
// fresh context and endpoint.
func forEachTransport(t *testing.T, f func(t *testing.T, c drivers.Context, ep string)) {
	for _, name := range driverNames {
		for _, tr := range drivers.AllTransports {
			t.Run(name+"/"+string(tr), func(t *testing.T) {
				c := newTestContext(t, name)
				ep, err := newTestEndpoints(t).New(tr)
				if err != nil {
					t.Fatal(err)
				}
				f(t, c, ep)
			})
		}
	}
}

// pair binds a socket of type bt and connects one of type ct to it.
func pair(t *testing.T, c drivers.Context, ep string, bt, ct drivers.SocketType) (b, cn drivers.Socket) {
	t.Helper()
	b = mustSocket(t, c, bt)
	if err := b.Bind(ep); err != nil {
		t.Fatalf("%s: bind %s: %v", bt, ep, err)
	}
	cn = mustSocket(t, c, ct)
	if err := cn.Connect(ep); err != nil {
		t.Fatalf("%s: connect %s: %v", ct, ep, err)
	}
	return b, cn
}

func wantMsg(t *testing.T, what string, got, want drivers.Msg) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d frames %q, want %d frames %q", what, len(got), got, len(want), want)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("%s: frame %d: got %q (len %d), want %q (len %d)", what, i, trim(got[i]), len(got[i]), trim(want[i]), len(want[i]))
		}
	}
}

func trim(b []byte) []byte {
	if len(b) > 16 {
		return b[:16]
	}
	return b
}

func TestReqRep(t *testing.T) {
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		rep, req := pair(t, c, ep, drivers.REP, drivers.REQ)
		for i := 0; i < 3; i++ {
			mustSend(t, req, drivers.MsgFromStrings("hello", "world"))
			wantMsg(t, "REP got", mustRecv(t, rep), drivers.MsgFromStrings("hello", "world"))
			mustSend(t, rep, drivers.MsgFromStrings("reply"))
			wantMsg(t, "REQ got", mustRecv(t, req), drivers.MsgFromStrings("reply"))
		}
	})
}

func TestPushPull(t *testing.T) {
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		pull, push := pair(t, c, ep, drivers.PULL, drivers.PUSH)
		for _, s := range []string{"a", "b", "c"} {
			mustSend(t, push, drivers.MsgFromStrings(s))
		}
		for _, s := range []string{"a", "b", "c"} {
			wantMsg(t, "PULL got", mustRecv(t, pull), drivers.MsgFromStrings(s))
		}
	})
}

func TestPair(t *testing.T) {
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		a, b := pair(t, c, ep, drivers.PAIR, drivers.PAIR)
		mustSend(t, b, drivers.MsgFromStrings("ping"))
		wantMsg(t, "A got", mustRecv(t, a), drivers.MsgFromStrings("ping"))
		mustSend(t, a, drivers.MsgFromStrings("pong"))
		wantMsg(t, "B got", mustRecv(t, b), drivers.MsgFromStrings("pong"))
	})
}

func TestDealerRouter(t *testing.T) {
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		router := mustSocket(t, c, drivers.ROUTER)
		if err := router.Bind(ep); err != nil {
			t.Fatal(err)
		}
		dealer := mustSocket(t, c, drivers.DEALER)
		mustOption(t, dealer, drivers.ROUTING_ID, "client-A")
		if err := dealer.Connect(ep); err != nil {
			t.Fatal(err)
		}
		mustSend(t, dealer, drivers.MsgFromStrings("", "req"))
		wantMsg(t, "ROUTER got", mustRecv(t, router), drivers.MsgFromStrings("client-A", "", "req"))
		mustSend(t, router, drivers.MsgFromStrings("client-A", "", "rep"))
		wantMsg(t, "DEALER got", mustRecv(t, dealer), drivers.MsgFromStrings("", "rep"))
	})
}

func TestPubSub(t *testing.T) {
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		pub, sub := pair(t, c, ep, drivers.PUB, drivers.SUB)
		mustOption(t, sub, drivers.SUBSCRIBE, "")
		syncPubSub(t, pub, sub)
		mustSend(t, pub, drivers.MsgFromStrings("data", "1"))
		// Probes sent before the first one arrived may still be queued.
		for {
			m := mustRecv(t, sub)
			if string(m[0]) != "probe" {
				wantMsg(t, "SUB got", m, drivers.MsgFromStrings("data", "1"))
				return
			}
		}
	})
}

// syncPubSub publishes probes until sub receives one, which shows the
// subscription has reached pub (PUB drops messages until it has).
func syncPubSub(t *testing.T, pub, sub drivers.Socket) {
	t.Helper()
	end := time.Now().Add(2 * time.Second)
	for time.Now().Before(end) {
		mustSend(t, pub, drivers.MsgFromStrings("probe"))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		m, err := sub.Recv(ctx)
		cancel()
		if err == nil {
			wantMsg(t, "probe", m, drivers.MsgFromStrings("probe"))
			return
		}
		if !errors.Is(err, drivers.ErrTimeout) {
			t.Fatalf("probe recv: %v", err)
		}
	}
	t.Fatal("subscription not seen by the publisher within 2s")
}

// TestMultipart sends an empty frame and a 1 MiB frame in one message,
// and checks the received frames are copies the caller owns.
func TestMultipart(t *testing.T) {
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	forEachTransport(t, func(t *testing.T, c drivers.Context, ep string) {
		a, b := pair(t, c, ep, drivers.PAIR, drivers.PAIR)
		want := drivers.Msg{[]byte("head"), {}, big, []byte("tail")}
		mustSend(t, b, want)
		got := mustRecv(t, a)
		wantMsg(t, "multipart", got, want)
		if len(got[1]) != 0 {
			t.Fatalf("empty frame came back with %d bytes", len(got[1]))
		}
		// A second message must not share memory with the first.
		keep := append([]byte(nil), got[2]...)
		mustSend(t, b, drivers.Msg{make([]byte, 1<<20)})
		mustRecv(t, a)
		if !bytes.Equal(got[2], keep) {
			t.Fatal("a received frame changed after the next Recv")
		}
		// An empty single-frame message is a message too.
		mustSend(t, b, drivers.Msg{{}})
		wantMsg(t, "empty message", mustRecv(t, a), drivers.Msg{{}})
	})
}
