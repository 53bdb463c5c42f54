package zmtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testTimeout = 2 * time.Second

// probePair connects two probes over endpoint (tcp or ipc) and returns
// the server (accepting) and client (dialling) sides.
func probePair(t *testing.T, endpoint string) (srv, cli *Conn) {
	t.Helper()
	l, err := Listen(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	type res struct {
		c   *Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept(testTimeout)
		ch <- res{c, err}
	}()
	cli, err = Dial(l.Endpoint(), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { cli.Close(); r.c.Close() })
	return r.c, cli
}

func TestParseEndpoint(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, network, addr string }{
		{"tcp://127.0.0.1:5555", "tcp", "127.0.0.1:5555"},
		{"tcp://*:5555", "tcp", ":5555"},
		{"tcp://[::1]:7", "tcp", "[::1]:7"},
		{"ipc:///tmp/x.sock", "unix", "/tmp/x.sock"},
		{"ipc://@abstract", "unix", "@abstract"},
	}
	for _, tc := range cases {
		n, a, err := ParseEndpoint(tc.in)
		if err != nil || n != tc.network || a != tc.addr {
			t.Errorf("%s: got %s %s %v, want %s %s", tc.in, n, a, err, tc.network, tc.addr)
		}
	}
	for _, bad := range []string{"inproc://x", "tcp://nohost", "ipc://", "tcp://h:"} {
		if _, _, err := ParseEndpoint(bad); !errors.Is(err, ErrBadEndpoint) {
			t.Errorf("%s: got %v, want ErrBadEndpoint", bad, err)
		}
	}
}

// Two probes handshake with each other over tcp and ipc, exchange
// messages and commands, and the byte logs of both sides agree.
func TestProbeToProbe(t *testing.T) {
	t.Parallel()
	for _, ep := range []string{"tcp://127.0.0.1:0", "ipc://" + filepath.Join(t.TempDir(), "p.sock")} {
		t.Run(strings.SplitN(ep, ":", 2)[0], func(t *testing.T) {
			srv, cli := probePair(t, ep)
			type hs struct {
				g   Greeting
				md  Metadata
				err error
			}
			ch := make(chan hs, 1)
			go func() {
				g, md, err := srv.Handshake(1, "ROUTER", nil)
				ch <- hs{g, md, err}
			}()
			g, md, err := cli.Handshake(1, "DEALER", []byte("cli-1"))
			if err != nil {
				t.Fatal(err)
			}
			s := <-ch
			if s.err != nil {
				t.Fatal(s.err)
			}
			if g != NullGreeting(1) || s.g != NullGreeting(1) {
				t.Fatalf("greetings: %+v / %+v", g, s.g)
			}
			if v, _ := md.Get(PropSocketType); string(v) != "ROUTER" {
				t.Errorf("client saw Socket-Type %q", v)
			}
			if v, ok := s.md.Get("identity"); !ok || string(v) != "cli-1" {
				t.Errorf("server saw Identity %q %v", v, ok)
			}
			if _, ok := md.Get(PropIdentity); ok {
				t.Error("server sent an Identity it was not given")
			}

			big := bytes.Repeat([]byte("z"), 70000)
			if err := cli.SendMessage([]byte("a"), nil, big); err != nil {
				t.Fatal(err)
			}
			ping, _ := Ping(10, []byte("ctx"))
			if err := srv.SendCommand(ping); err != nil {
				t.Fatal(err)
			}
			if err := srv.SendMessage([]byte("reply")); err != nil {
				t.Fatal(err)
			}
			msg, err := srv.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if len(msg) != 3 || string(msg[0].Body) != "a" || len(msg[1].Body) != 0 || !bytes.Equal(msg[2].Body, big) {
				t.Fatalf("server read %d frames", len(msg))
			}
			if !msg[0].More() || !msg[1].More() || msg[2].More() || !msg[2].Long() {
				t.Fatalf("flags %02X %02X %02X", msg[0].Flags, msg[1].Flags, msg[2].Flags)
			}
			reply, err := cli.ReadMessage()
			if err != nil || len(reply) != 1 || string(reply[0].Body) != "reply" {
				t.Fatalf("client read %v %v", reply, err)
			}
			skipped := cli.SkippedCommands()
			if len(skipped) != 1 || !skipped[0].Equal(ping) {
				t.Fatalf("skipped commands %v, want the PING", skipped)
			}

			// What one side wrote is what the other read, octet for octet.
			if !bytes.Equal(cli.Log().Bytes(Out), srv.Log().Bytes(In)) {
				t.Error("client out-log differs from server in-log")
			}
			if !bytes.Equal(srv.Log().Bytes(Out), cli.Log().Bytes(In)) {
				t.Error("server out-log differs from client in-log")
			}
			evs := cli.Log().Events(time.Time{})
			if len(evs) == 0 || evs[0].Op != "wire-out" || evs[0].Detail != hex.EncodeToString(mustEncode(t, NullGreeting(1))) {
				t.Fatalf("first event %+v, want our greeting as wire-out", evs[0])
			}
			for i := 1; i < len(evs); i++ {
				if evs[i].At < evs[i-1].At {
					t.Fatalf("event %d goes back in time", i)
				}
			}

			// The server closes; the client sees it well within the window.
			srv.Close()
			start := time.Now()
			closed, err := cli.ExpectClosed(testTimeout)
			if err != nil || !closed {
				t.Fatalf("ExpectClosed = %v, %v; want true", closed, err)
			}
			if d := time.Since(start); d > testTimeout/2 {
				t.Errorf("close seen after %v", d)
			}
			last := cli.Log().Entries()
			if e := last[len(last)-1]; e.Dir != In || e.Err != "EOF" {
				t.Errorf("last log entry %+v, want EOF", e)
			}
		})
	}
}

// A silent peer is not a closed one: ExpectClosed must report false after
// waiting out (not before) its window, and a read must time out.
func TestProbeTimeouts(t *testing.T) {
	t.Parallel()
	srv, cli := probePair(t, "tcp://127.0.0.1:0")
	_ = srv
	const window = 150 * time.Millisecond
	start := time.Now()
	closed, err := cli.ExpectClosed(window)
	if err != nil || closed {
		t.Fatalf("ExpectClosed = %v, %v; want false, nil", closed, err)
	}
	if d := time.Since(start); d < window {
		t.Fatalf("ExpectClosed returned after %v, before its %v window", d, window)
	}
	cli.SetTimeout(window)
	start = time.Now()
	_, err = cli.ReadFrame()
	if !IsTimeout(err) {
		t.Fatalf("ReadFrame on a silent peer: got %v, want a timeout", err)
	}
	if d := time.Since(start); d < window {
		t.Fatalf("timed out after %v, before %v", d, window)
	}
}

// The handshake helper reports a peer ERROR as *PeerError.
func TestHandshakePeerError(t *testing.T) {
	t.Parallel()
	srv, cli := probePair(t, "tcp://127.0.0.1:0")
	done := make(chan error, 1)
	go func() {
		if _, err := srv.Greet(NullGreeting(1)); err != nil {
			done <- err
			return
		}
		if _, err := srv.ReadCommand(); err != nil {
			done <- err
			return
		}
		e, _ := ErrorCommand("Invalid socket type")
		done <- srv.SendCommand(e)
	}()
	_, _, err := cli.Handshake(1, "PUB", nil)
	var pe *PeerError
	if !errors.As(err, &pe) || pe.Reason != "Invalid socket type" || !errors.Is(err, ErrPeerError) {
		t.Fatalf("got %v, want *PeerError", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func mustEncode(t *testing.T, g Greeting) []byte {
	t.Helper()
	b, err := g.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A reset (SO_LINGER 0) counts as a close, and is logged as one.
func TestExpectClosedReset(t *testing.T) {
	t.Parallel()
	srv, cli := probePair(t, "tcp://127.0.0.1:0")
	if err := cli.SendRaw([]byte{0xFF}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.ReadRaw(1); err != nil {
		t.Fatal(err)
	}
	if err := srv.Abort(); err != nil {
		t.Fatal(err)
	}
	closed, err := cli.ExpectClosed(testTimeout)
	if err != nil || !closed {
		t.Fatalf("ExpectClosed after reset = %v, %v; want true", closed, err)
	}
	last := cli.Log().Entries()
	if e := last[len(last)-1]; e.Dir != In || e.Err != "reset" {
		t.Errorf("last log entry %+v, want a reset", e)
	}
	t.Logf("close seen as %q", last[len(last)-1].Err)
}
