package agents

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"

	// The pair check runs zeromq.js against libzmq in this process.
	_ "github.com/zharness/zharness/drivers/libzmq"
)

// zeromqjsDriver returns the registered zeromqjs driver, skipping the test
// only when the runtime (node and npm) is absent.
func zeromqjsDriver(t testing.TB) drivers.Driver {
	t.Helper()
	if err := zeromqjsRuntime(); err != nil {
		t.Skipf("zeromqjs runtime absent: %v", err)
	}
	d, err := drivers.Lookup("zeromqjs")
	if err != nil {
		t.Fatalf("lookup zeromqjs: %v", err)
	}
	return d
}

// TestZeromqjsHello: the probe reports zeromq.js's and its bundled
// libzmq's real versions and what zeromq.js's API offers.
func TestZeromqjsHello(t *testing.T) {
	d := zeromqjsDriver(t)
	v := d.Version()
	if d.Name() != "zeromqjs" || !strings.HasPrefix(v, "zeromq.js 6.8.0 ") || !strings.Contains(v, "(libzmq 4.") {
		t.Errorf("name %q version %q, want zeromqjs and \"zeromq.js 6.8.0 (libzmq 4.x.y)\"", d.Name(), v)
	}
	c := d.Capabilities()
	if len(c.Sockets) != len(drivers.AllSocketTypes) || !c.HasTransport(drivers.TCP) || !c.HasTransport(drivers.Inproc) {
		t.Errorf("capabilities %+v: want every socket type, tcp and inproc", c)
	}
	// The prebuilt addon's libzmq has CURVE, so zeromq.js defines every
	// option the harness knows.
	if len(c.Options) != len(drivers.KnownOptions) {
		t.Errorf("options %v: want all %d known options", c.Options, len(drivers.KnownOptions))
	}
	if c.HasFeature(drivers.FeaturePoller) {
		t.Errorf("features %v: zeromq.js 6 has no poller, the agent must not declare one", c.Features)
	}
	for _, f := range []string{drivers.FeaturePLAIN, drivers.FeatureCURVE, drivers.FeatureZAP} {
		if !c.HasFeature(f) {
			t.Errorf("features %v: want %s", c.Features, f)
		}
	}
}

// TestZeromqjsContract runs the driver contract on zeromq.js, both ends in
// agents; -short keeps tcp only, like drivers/remote's contract test.
func TestZeromqjsContract(t *testing.T) {
	d := zeromqjsDriver(t)
	if !testing.Short() {
		drivertest.Run(t, d)
		return
	}
	res := drivertest.Evaluate(d, nil, drivertest.Options{Transports: []drivers.Transport{drivers.TCP}})
	for _, c := range res.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Skipped != "" {
				t.Skip(c.Skipped)
			}
			for _, f := range c.Failures {
				t.Error(f)
			}
		})
	}
	t.Logf("%d cases, worst timeout overshoot %v", len(res.Cases), res.WorstOvershoot())
}

// TestZeromqjsPairLibzmq exchanges messages between zeromq.js and libzmq
// over tcp in every arrangement. -short leaves out the security cases
// across the two (each starts several agents); the contract run above
// still has them with both ends on zeromq.js.
func TestZeromqjsPairLibzmq(t *testing.T) {
	d := zeromqjsDriver(t)
	lz, err := drivers.Lookup("libzmq")
	if err != nil {
		t.Fatalf("lookup libzmq: %v", err)
	}
	if !testing.Short() {
		drivertest.RunPair(t, d, lz, drivers.TCP)
		return
	}
	res := drivertest.Evaluate(d, lz, drivertest.Options{
		Transports: []drivers.Transport{drivers.TCP}, MessagesOnly: true,
		Filter: func(name string) bool { return !strings.HasPrefix(name, "security/") },
	})
	for _, c := range res.Cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.Skipped != "" {
				t.Skip(c.Skipped)
			}
			for _, f := range c.Failures {
				t.Error(f)
			}
		})
	}
}

// zeromqjsContext opens a context on the zeromqjs driver, closed at cleanup.
func zeromqjsContext(t *testing.T) drivers.Context {
	t.Helper()
	c, err := zeromqjsDriver(t).NewContext()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("context close: %v", err)
		}
	})
	return c
}

func zeromqjsSocket(t *testing.T, c drivers.Context, typ drivers.SocketType) drivers.Socket {
	t.Helper()
	s, err := c.NewSocket(typ)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantKind(t *testing.T, what string, err error, k drivers.Kind) {
	t.Helper()
	if got := drivers.KindOf(err); err == nil || got != k {
		t.Errorf("%s: got %v (kind %v), want an error of kind %v", what, err, got, k)
	}
}

// callWithin runs a Send or Recv with a deadline of d from now and
// returns its error and how long it took.
func callWithin(d time.Duration, call func(ctx context.Context) error) (error, time.Duration) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	err := call(ctx)
	return err, time.Since(start)
}

// TestZeromqjsNoReadAhead: a message that arrives after a recv timed out
// stays for the next recv, and a recv blocked when its socket is closed
// answers closed well before its deadline.
func TestZeromqjsNoReadAhead(t *testing.T) {
	c := zeromqjsContext(t)
	pull := zeromqjsSocket(t, c, drivers.PULL)
	push := zeromqjsSocket(t, c, drivers.PUSH)
	if err := pull.Bind("inproc://late"); err != nil {
		t.Fatal(err)
	}
	if err := push.Connect("inproc://late"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		err, el := callWithin(100*time.Millisecond, func(ctx context.Context) error { _, err := pull.Recv(ctx); return err })
		wantKind(t, "recv with no message", err, drivers.KindTimeout)
		if el < 100*time.Millisecond {
			t.Errorf("recv timed out after %v, before its 100ms deadline", el)
		}
	}
	err, _ := callWithin(time.Second, func(ctx context.Context) error { return push.Send(ctx, drivers.MsgFromStrings("late", "")) })
	if err != nil {
		t.Fatal(err)
	}
	var m drivers.Msg
	err, _ = callWithin(time.Second, func(ctx context.Context) (err error) { m, err = pull.Recv(ctx); return err })
	if err != nil || !m.Equal(drivers.MsgFromStrings("late", "")) {
		t.Errorf("recv after the timeouts: got %q, %v; want [late, \"\"]", m, err)
	}

	done := make(chan error, 1)
	start := time.Now()
	go func() {
		err, _ := callWithin(3*time.Second, func(ctx context.Context) error { _, err := pull.Recv(ctx); return err })
		done <- err
	}()
	// No signal says the agent has started the receive; the close is
	// correct whether it comes before (closed at once) or during it.
	time.Sleep(50 * time.Millisecond)
	if err := pull.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	wantKind(t, "recv blocked across close", <-done, drivers.KindClosed)
	if el := time.Since(start); el > time.Second {
		t.Errorf("close of a socket with a blocked recv took %v; want the recv released at once", el)
	}
}

// TestZeromqjsRefusals: the operations zeromq.js's API refuses answer the
// contract's kinds: recv on PUB (Publisher has no receive) and SUBSCRIBE on
// PUB are not-allowed, ROUTING_ID on PAIR is unsupported (zeromq.js's Pair
// has no routingId although libzmq would take it), a bad boolean is other.
func TestZeromqjsRefusals(t *testing.T) {
	c := zeromqjsContext(t)
	pub := zeromqjsSocket(t, c, drivers.PUB)
	err, el := callWithin(time.Second, func(ctx context.Context) error { _, err := pub.Recv(ctx); return err })
	wantKind(t, "recv on PUB", err, drivers.KindNotAllowed)
	if el > 500*time.Millisecond {
		t.Errorf("recv on PUB answered after %v; want at once", el)
	}
	wantKind(t, "SUBSCRIBE on PUB", pub.SetOption(drivers.SUBSCRIBE, []byte("x")), drivers.KindNotAllowed)
	pair := zeromqjsSocket(t, c, drivers.PAIR)
	wantKind(t, "ROUTING_ID on PAIR", pair.SetOption(drivers.ROUTING_ID, []byte("id")), drivers.KindUnsupported)
	router := zeromqjsSocket(t, c, drivers.ROUTER)
	wantKind(t, "ROUTER_MANDATORY 2", router.SetOption(drivers.ROUTER_MANDATORY, 2), drivers.KindOther)
	if err := router.SetOption(drivers.ROUTER_MANDATORY, 1); err != nil {
		t.Errorf("ROUTER_MANDATORY 1: %v", err)
	}
	if err := router.Bind("inproc://mandatory"); err != nil {
		t.Fatal(err)
	}
	err, _ = callWithin(time.Second, func(ctx context.Context) error {
		return router.Send(ctx, drivers.MsgFromStrings("nobody", "x"))
	})
	wantKind(t, "ROUTER_MANDATORY send to an unknown peer", err, drivers.KindHostUnreachable)
}

// TestZeromqjsReqSendTwice records a zeromq.js deviation from libzmq: a REQ
// sending twice gets EFSM only when its send timeout runs out, because
// zeromq.js waits for the socket to become writable before it calls
// zmq_msg_send (socket.cc, Socket::Send), and a REQ awaiting its reply
// never does. libzmq answers EFSM at once. The agent reports what the
// library does: invalid-state, at the deadline.
func TestZeromqjsReqSendTwice(t *testing.T) {
	c := zeromqjsContext(t)
	rep := zeromqjsSocket(t, c, drivers.REP)
	req := zeromqjsSocket(t, c, drivers.REQ)
	if err := rep.Bind("inproc://twice"); err != nil {
		t.Fatal(err)
	}
	if err := req.Connect("inproc://twice"); err != nil {
		t.Fatal(err)
	}
	err, _ := callWithin(time.Second, func(ctx context.Context) error { return req.Send(ctx, drivers.MsgFromStrings("one")) })
	if err != nil {
		t.Fatal(err)
	}
	err, el := callWithin(200*time.Millisecond, func(ctx context.Context) error { return req.Send(ctx, drivers.MsgFromStrings("two")) })
	wantKind(t, "second send", err, drivers.KindInvalidState)
	if el < 190*time.Millisecond {
		t.Logf("second send answered after %v: zeromq.js no longer waits for the send timeout", el)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second send: %v; want the agent's answer, not the client's deadline", err)
	}
}

// BenchmarkZeromqjsStart measures an agent's start-up: one op is
// NewContext (start node, load zeromq.js, hello, new_context) and Close
// (close_context, stdin EOF, exit).
//
//	go test ./drivers/agents -run '^$' -bench ZeromqjsStart -benchtime 10x
func BenchmarkZeromqjsStart(b *testing.B) {
	d := zeromqjsDriver(b)
	for b.Loop() {
		c, err := d.NewContext()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkZeromqjsPushPull streams 64-byte messages PUSH→PULL over tcp
// between two zeromq.js agents (one per context), sending and receiving
// concurrently; ns/op is per message, through two agent calls:
//
//	go test ./drivers/agents -run '^$' -bench ZeromqjsPushPull -benchtime 5000x
func BenchmarkZeromqjsPushPull(b *testing.B) {
	d := zeromqjsDriver(b)
	var socks [2]drivers.Socket
	for i, typ := range []drivers.SocketType{drivers.PULL, drivers.PUSH} {
		c, err := d.NewContext()
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if socks[i], err = c.NewSocket(typ); err != nil {
			b.Fatal(err)
		}
	}
	pull, push := socks[0], socks[1]
	eps, err := drivers.NewEndpoints()
	if err != nil {
		b.Fatal(err)
	}
	defer eps.Close()
	ep, err := eps.New(drivers.TCP)
	if err != nil {
		b.Fatal(err)
	}
	if err := pull.Bind(ep); err != nil {
		b.Fatal(err)
	}
	if err := push.Connect(ep); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	msg := drivers.Msg{make([]byte, 64)}
	done := make(chan error, 1)
	b.ResetTimer()
	go func() {
		for range b.N {
			if err := push.Send(ctx, msg); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range b.N {
		if _, err := pull.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
