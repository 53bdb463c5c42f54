package zmtp

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	gozmq "github.com/go-zeromq/zmq4"

	"github.com/zharness/zharness/drivers"
)

// gozmqRecv bounds go-zeromq's Recv, which has no deadline of its own: on
// timeout the socket is closed, which makes the pending Recv return.
func gozmqRecv(t *testing.T, s gozmq.Socket) gozmq.Msg {
	t.Helper()
	type res struct {
		m   gozmq.Msg
		err error
	}
	ch := make(chan res, 1)
	go func() {
		m, err := s.Recv()
		ch <- res{m, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("go-zeromq recv: %v", r.err)
		}
		return r.m
	case <-time.After(testTimeout):
		s.Close()
		<-ch
		t.Fatalf("go-zeromq recv: nothing within %v", testTimeout)
	}
	return gozmq.Msg{}
}

// The probe handshakes (NULL, offering 3.1) with a go-zeromq DEALER in
// both roles over tcp and ipc, and a message goes each way. The peer's
// greeting and READY are logged for the report.
func TestInteropGoZeroMQ(t *testing.T) {
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eps.Close() })
	for _, tr := range []drivers.Transport{drivers.TCP, drivers.IPC} {
		for _, probeBinds := range []bool{true, false} {
			name := string(tr) + map[bool]string{true: "/probe-binds", false: "/probe-connects"}[probeBinds]
			t.Run(name, func(t *testing.T) {
				ep, err := eps.New(tr)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				sock := gozmq.NewDealer(ctx, gozmq.WithID(gozmq.SocketIdentity("gz-id")), gozmq.WithDialerTimeout(testTimeout))
				defer sock.Close()

				var c *Conn
				afterHandshake := func() {}
				if probeBinds {
					l, err := Listen(ep)
					if err != nil {
						t.Fatal(err)
					}
					defer l.Close()
					// go-zeromq's Dial runs the whole handshake before it
					// returns, so it must run beside the probe's side.
					dialed := make(chan error, 1)
					go func() { dialed <- sock.Dial(l.Endpoint()) }()
					if c, err = l.Accept(testTimeout); err != nil {
						t.Fatal(err)
					}
					afterHandshake = func() {
						select {
						case err := <-dialed:
							if err != nil {
								t.Fatalf("go-zeromq dial: %v", err)
							}
						case <-time.After(testTimeout):
							t.Fatal("go-zeromq dial did not return after the handshake")
						}
					}
				} else {
					if err := sock.Listen(ep); err != nil {
						t.Fatal(err)
					}
					if c, err = Dial(ep, testTimeout); err != nil {
						t.Fatal(err)
					}
				}
				defer c.Close()
				exchangeWithPeer(t, c, "go-zeromq", afterHandshake,
					func(parts ...[]byte) error { return sock.Send(gozmq.NewMsgFrom(parts...)) },
					func() [][]byte { return gozmqRecv(t, sock).Frames },
					"gz-id")
			})
		}
	}
}

// exchangeWithPeer runs the NULL handshake as a DEALER, checks and logs
// the peer's greeting and READY, then sends a two-part message to the peer
// and one back. send and recv drive the real socket.
func exchangeWithPeer(t *testing.T, c *Conn, impl string, afterHandshake func(), send func(...[]byte) error, recv func() [][]byte, wantID string) {
	t.Helper()
	g, md, err := c.Handshake(1, "DEALER", []byte("probe"))
	if err != nil {
		t.Fatalf("handshake: %v\n%s", err, c.Log())
	}
	afterHandshake()
	raw := c.Log().Bytes(In)[:GreetingSize]
	t.Logf("%s greeting (probe is server=%v): %s", impl, c.IsServer(), hex.EncodeToString(raw))
	t.Logf("%s greeting fields: version %d.%d mechanism %q as-server %d", impl, g.Major, g.Minor, g.Mechanism, g.AsServer)
	t.Logf("%s READY: %s", impl, md)
	var chunks []int
	for _, e := range c.Log().Entries() {
		if e.Dir == In && len(chunks) < 4 {
			chunks = append(chunks, len(e.Data))
		}
	}
	t.Logf("%s first incoming chunks (octets): %v", impl, chunks)
	// Every 3.x implementation must send a grammatical NULL greeting; the
	// minor version is recorded, not asserted here (3.0 is legal).
	if err := g.Validate(0); err != nil {
		t.Errorf("%s greeting: %v", impl, err)
	}
	if g.Major != 3 || g.Mechanism != "NULL" || g.AsServer != 0 {
		t.Errorf("%s greeting %+v, want 3.x NULL as-server 0", impl, g)
	}
	if v, ok := md.Get(PropSocketType); !ok || string(v) != "DEALER" {
		t.Errorf("%s READY Socket-Type %q (present %v), want DEALER", impl, v, ok)
	}
	if v, ok := md.Get(PropIdentity); ok && string(v) != wantID {
		t.Errorf("%s READY Identity %q, want %q", impl, v, wantID)
	}

	if err := c.SendMessage([]byte("hello"), []byte("world")); err != nil {
		t.Fatal(err)
	}
	got := recv()
	if len(got) != 2 || string(got[0]) != "hello" || string(got[1]) != "world" {
		t.Fatalf("%s received %q, want [hello world]", impl, got)
	}
	if err := send([]byte("back"), []byte(strings.Repeat("x", 300))); err != nil {
		t.Fatal(err)
	}
	msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("probe read: %v\n%s", err, c.Log())
	}
	if len(msg) != 2 || string(msg[0].Body) != "back" || len(msg[1].Body) != 300 {
		t.Fatalf("probe received %v", msg)
	}
	// Flags as sent by the implementation: MORE on the first, LONG on the
	// 300-octet last (RFC 23 §FRAME-2, §FRAME-4).
	if msg[0].Flags != FlagMore || msg[1].Flags != FlagLong {
		t.Errorf("%s frame flags %02X %02X, want 01 02", impl, msg[0].Flags, msg[1].Flags)
	}
	if cmds := c.SkippedCommands(); len(cmds) > 0 {
		t.Logf("%s sent commands after READY: %v", impl, cmds)
	}
}
