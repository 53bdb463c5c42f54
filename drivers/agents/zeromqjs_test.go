package agents

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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

// zeromqjsBulk returns the zeromqjs driver's measurement loops.
func zeromqjsBulk(t testing.TB) drivers.Bulk {
	t.Helper()
	b, ok := drivers.AsBulk(zeromqjsDriver(t))
	if !ok {
		t.Fatal("zeromqjs driver has no bulk loops; its hello should declare the bulk feature")
	}
	return b
}

// zeromqjsLoop is one end of a loop pair: a loop method and its spec.
type zeromqjsLoop struct {
	run  func(context.Context, drivers.BulkSpec) (drivers.BulkResult, error)
	spec drivers.BulkSpec
}

// zeromqjsLoopPair runs two loops concurrently, bounded by ctx, and
// returns both results and errors.
func zeromqjsLoopPair(ctx context.Context, a, b zeromqjsLoop) (ra, rb drivers.BulkResult, ea, eb error) {
	return loopPair(ctx, a.run, b.run, a.spec, b.spec)
}

// zeromqjsTCP allocates a tcp endpoint, released at cleanup.
func zeromqjsTCP(t testing.TB) string {
	t.Helper()
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eps.Close() })
	ep, err := eps.New(drivers.TCP)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

// checkZeromqjsLatency checks a latency pair's results: every round trip
// counted at both ends, one positive sample each, and the samples tiling
// the timed part.
func checkZeromqjsLatency(t *testing.T, srv, cli drivers.BulkResult, count int) {
	t.Helper()
	if srv.Count != count || cli.Count != count || len(cli.Samples) != count {
		t.Fatalf("latency: serve %+v, client count %d with %d samples; want %d", srv, cli.Count, len(cli.Samples), count)
	}
	var sum int64
	for i, s := range cli.Samples {
		if s <= 0 {
			t.Fatalf("sample %d is %d ns", i, s)
		}
		sum += s
	}
	if d := cli.Elapsed - time.Duration(sum); d < 0 || d > time.Millisecond {
		t.Errorf("latency: samples sum to %v, elapsed %v", time.Duration(sum), cli.Elapsed)
	}
}

// TestZeromqjsBulkLoops runs each loop pair zeromq.js↔zeromq.js over tcp
// through drivers.Bulk (each loop in an agent of its own), with the
// sending end binding in one pair and connecting in the other, so that
// the sender's drain (it answers once its peer has gone) is exercised
// both ways.
func TestZeromqjsBulkLoops(t *testing.T) {
	bulk := zeromqjsBulk(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const count, warmup = 2000, 10
	for _, sendBinds := range []bool{false, true} {
		ep := zeromqjsTCP(t)
		recv, send, errR, errS := zeromqjsLoopPair(ctx,
			zeromqjsLoop{bulk.ThroughputRecv, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: !sendBinds, Size: 64, Count: count, Warmup: warmup}},
			zeromqjsLoop{bulk.ThroughputSend, drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Bind: sendBinds, Size: 64, Count: count, Warmup: warmup}})
		if errR != nil || errS != nil {
			t.Fatalf("throughput (sender binds %v): recv %v, send %v", sendBinds, errR, errS)
		}
		if recv.Count != count || send.Count != count || recv.Elapsed <= 0 || send.Elapsed <= 0 {
			t.Errorf("throughput (sender binds %v): recv %+v, send %+v; want count %d and elapsed > 0 at both ends", sendBinds, recv, send, count)
		}
	}
	for _, types := range [][2]drivers.SocketType{{drivers.REP, drivers.REQ}, {drivers.PAIR, drivers.PAIR}} {
		ep := zeromqjsTCP(t)
		srv, cli, errS, errC := zeromqjsLoopPair(ctx,
			zeromqjsLoop{bulk.LatencyServe, drivers.BulkSpec{Socket: types[0], Endpoint: ep, Bind: true, Size: 1024, Count: count, Warmup: warmup}},
			zeromqjsLoop{bulk.LatencyClient, drivers.BulkSpec{Socket: types[1], Endpoint: ep, Size: 1024, Count: count, Warmup: warmup}})
		if errS != nil || errC != nil {
			t.Fatalf("latency %s/%s: serve %v, client %v", types[0], types[1], errS, errC)
		}
		checkZeromqjsLatency(t, srv, cli, count)
	}
}

// TestZeromqjsBulkLateReceiver: a connecting sender whose messages all
// fit in its queue finishes its loop before any receiver exists; the
// messages must still reach a receiver that binds later (libzmq's loop
// lingers until the deadline), so the agent may not answer, and be shut
// down, while they are queued.
func TestZeromqjsBulkLateReceiver(t *testing.T) {
	bulk := zeromqjsBulk(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const count = 200
	ep := zeromqjsTCP(t)
	sent := make(chan error, 1)
	go func() {
		_, err := bulk.ThroughputSend(ctx, drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: 64, Count: count})
		sent <- err
	}()
	// The receiver arriving late is the case under test, not a wait for
	// a signal: the sender needs well under this to fill its queue.
	time.Sleep(time.Second)
	recv, err := bulk.ThroughputRecv(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 64, Count: count})
	if err != nil || recv.Count != count {
		t.Errorf("late receiver: %+v, %v; want all %d timed messages", recv, err, count)
	}
	if err := <-sent; err != nil {
		t.Errorf("sender: %v", err)
	}
}

// TestZeromqjsBulkLibzmq pairs zeromq.js's loops with libzmq's C loops
// over tcp: zeromq.js sends to and serves a libzmq end, whose C loops
// count every message and round trip.
func TestZeromqjsBulkLibzmq(t *testing.T) {
	bulk := zeromqjsBulk(t)
	lz, err := drivers.Lookup("libzmq")
	if err != nil {
		t.Fatal(err)
	}
	cb, ok := drivers.AsBulk(lz)
	if !ok {
		t.Fatal("libzmq has no bulk loops")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const count = 2000
	ep := zeromqjsTCP(t)
	recv, send, errR, errS := zeromqjsLoopPair(ctx,
		zeromqjsLoop{cb.ThroughputRecv, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 1024, Count: count}},
		zeromqjsLoop{bulk.ThroughputSend, drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: 1024, Count: count}})
	if errR != nil || errS != nil || recv.Count != count || send.Count != count {
		t.Fatalf("throughput zeromq.js→libzmq: recv %+v %v, send %+v %v; want %d each", recv, errR, send, errS, count)
	}
	ep = zeromqjsTCP(t)
	srv, cli, errS, errC := zeromqjsLoopPair(ctx,
		zeromqjsLoop{bulk.LatencyServe, drivers.BulkSpec{Socket: drivers.REP, Endpoint: ep, Bind: true, Size: 64, Count: count}},
		zeromqjsLoop{cb.LatencyClient, drivers.BulkSpec{Socket: drivers.REQ, Endpoint: ep, Size: 64, Count: count}})
	if errS != nil || errC != nil {
		t.Fatalf("latency libzmq→zeromq.js: serve %v, client %v", errS, errC)
	}
	checkZeromqjsLatency(t, srv, cli, count)
}

// TestZeromqjsBulkErrors: a loop without a peer answers timeout at its
// deadline (not before, not much after), a message of the wrong size
// answers other, and a socket type outside the loop's list unsupported.
func TestZeromqjsBulkErrors(t *testing.T) {
	bulk := zeromqjsBulk(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	start := time.Now()
	_, err := bulk.ThroughputRecv(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: zeromqjsTCP(t), Bind: true, Size: 64, Count: 10})
	el := time.Since(start)
	cancel()
	wantKind(t, "throughput_recv with no sender", err, drivers.KindTimeout)
	// The agent's start-up is inside el, so only the lower bound is
	// tight; the upper allows one 100 ms wait and a slow start.
	if el < 500*time.Millisecond || el > 2*time.Second {
		t.Errorf("throughput_recv with no sender answered after %v, want ~500ms", el)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ep := zeromqjsTCP(t)
	_, _, errR, _ := zeromqjsLoopPair(ctx,
		zeromqjsLoop{bulk.ThroughputRecv, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 64, Count: 10}},
		zeromqjsLoop{bulk.ThroughputSend, drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: 65, Count: 10}})
	wantKind(t, "throughput_recv of 65-byte messages with size 64", errR, drivers.KindOther)
	if errR == nil || !strings.Contains(errR.Error(), "65 bytes") {
		t.Errorf("wrong size: %v, want the message to name 65 bytes", errR)
	}

	_, err = bulk.LatencyClient(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Size: 64, Count: 10})
	wantKind(t, "latency_client on PULL", err, drivers.KindUnsupported)
}

// TestZeromqjsBulkConcurrent speaks the protocol directly: while a bulk
// loop waits for a peer, the agent answers a later request first, and the
// loop answers timeout at its deadline.
func TestZeromqjsBulkConcurrent(t *testing.T) {
	zeromqjsDriver(t)
	dir, err := Prepared(zeromqjsAgent)
	if err != nil {
		t.Fatal(err)
	}
	cmd := zeromqjsAgent.Command(dir, "--driver", "zeromqjs")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		in.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("agent exit: %v", err)
			}
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("agent still running 5s after its stdin closed")
		}
		r.Close()
	}()
	out := bufio.NewReader(r)
	type resp struct {
		ID    int  `json:"id"`
		OK    bool `json:"ok"`
		Error struct {
			Kind string `json:"kind"`
		} `json:"error"`
	}
	read := func() (m resp) {
		t.Helper()
		_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
		var hdr [4]byte
		if _, err := io.ReadFull(out, hdr[:]); err != nil {
			t.Fatalf("read: %v", err)
		}
		b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
		if _, err := io.ReadFull(out, b); err != nil {
			t.Fatalf("read: %v", err)
		}
		_ = json.Unmarshal(b, &m)
		return m
	}
	write := func(req map[string]any) {
		t.Helper()
		b, _ := json.Marshal(req)
		if _, err := in.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)); err != nil {
			t.Fatal(err)
		}
	}
	read() // hello

	start := time.Now()
	write(map[string]any{"id": 1, "op": "bulk", "loop": "throughput_recv", "socket_type": "PULL",
		"endpoint": zeromqjsTCP(t), "bind": true, "size": 64, "count": 10, "deadline_ms": 400})
	write(map[string]any{"id": 2, "op": "new_context"})
	if m := read(); m.ID != 2 || !m.OK {
		t.Fatalf("first answer %+v, want new_context's (id 2) while the loop waits", m)
	}
	if el := time.Since(start); el >= 400*time.Millisecond {
		t.Errorf("new_context beside a bulk loop took %v, as long as the loop's deadline", el)
	}
	m := read()
	el := time.Since(start)
	if m.ID != 1 || m.OK || m.Error.Kind != "timeout" {
		t.Fatalf("bulk answer %+v, want id 1 failing with timeout", m)
	}
	if el < 400*time.Millisecond || el > 900*time.Millisecond {
		t.Errorf("bulk loop with no peer answered after %v, want its 400ms deadline (+ one 100ms wait)", el)
	}
	write(map[string]any{"id": 3, "op": "bulk", "loop": "sideways", "socket_type": "PULL", "endpoint": "tcp://127.0.0.1:1"})
	if m := read(); m.ID != 3 || m.OK || m.Error.Kind != "other" {
		t.Errorf("unknown loop: %+v, want other", m)
	}
}

// BenchmarkZeromqjsBulk runs the bulk loops zeromq.js↔zeromq.js over tcp
// with b.N timed messages or round trips and reports what the loops
// measured (msg/s at the receiver; the median round trip):
//
//	go test ./drivers/agents -run '^$' -bench ZeromqjsBulk -benchtime 20000x
func BenchmarkZeromqjsBulk(b *testing.B) {
	bulk := zeromqjsBulk(b)
	for _, size := range []int{64, 1024} {
		b.Run(fmt.Sprintf("throughput/%dB", size), func(b *testing.B) {
			ep := zeromqjsTCP(b)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			recv, send, errR, errS := zeromqjsLoopPair(ctx,
				zeromqjsLoop{bulk.ThroughputRecv, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: size, Count: b.N, Warmup: 1000}},
				zeromqjsLoop{bulk.ThroughputSend, drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: size, Count: b.N, Warmup: 1000}})
			if errR != nil || errS != nil {
				b.Fatalf("recv %v, send %v", errR, errS)
			}
			b.ReportMetric(float64(recv.Count)/recv.Elapsed.Seconds(), "recv-msg/s")
			b.ReportMetric(float64(send.Count+1000)/send.Elapsed.Seconds(), "send-msg/s")
		})
		b.Run(fmt.Sprintf("latency/%dB", size), func(b *testing.B) {
			ep := zeromqjsTCP(b)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			_, cli, errS, errC := zeromqjsLoopPair(ctx,
				zeromqjsLoop{bulk.LatencyServe, drivers.BulkSpec{Socket: drivers.REP, Endpoint: ep, Bind: true, Size: size, Count: b.N, Warmup: 1000}},
				zeromqjsLoop{bulk.LatencyClient, drivers.BulkSpec{Socket: drivers.REQ, Endpoint: ep, Size: size, Count: b.N, Warmup: 1000}})
			if errS != nil || errC != nil {
				b.Fatalf("serve %v, client %v", errS, errC)
			}
			s := slices.Clone(cli.Samples)
			slices.Sort(s)
			b.ReportMetric(float64(s[len(s)/2]), "p50-rtt-ns")
		})
	}
}
