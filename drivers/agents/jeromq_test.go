package agents

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"
	"github.com/zharness/zharness/drivers/remote"

	// The pair check runs JeroMQ against libzmq in this process.
	_ "github.com/zharness/zharness/drivers/libzmq"
)

// jeromqDriver returns the registered jeromq driver, skipping the test
// only when the runtime (java, javac, the jar) is absent.
func jeromqDriver(t testing.TB) drivers.Driver {
	t.Helper()
	if err := jeromqRuntime(); err != nil {
		t.Skipf("jeromq runtime absent: %v", err)
	}
	d, err := drivers.Lookup("jeromq")
	if err != nil {
		t.Fatalf("lookup jeromq: %v", err)
	}
	return d
}

// TestJeromqHello: the probe reports the jar's version and exactly what
// JeroMQ 0.3.6's API offers (no ipc: see Caps.java).
func TestJeromqHello(t *testing.T) {
	d := jeromqDriver(t)
	if v := d.Version(); d.Name() != "jeromq" || !regexp.MustCompile(`^jeromq \d+\.\d+\.\d+ \(libzmq API \d+\.\d+\.\d+\)$`).MatchString(v) {
		t.Errorf("name %q version %q, want jeromq and \"jeromq X.Y.Z (libzmq API A.B.C)\"", d.Name(), v)
	}
	caps := d.Capabilities()
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"sockets", jeromqStrs(caps.Sockets), jeromqStrs(drivers.AllSocketTypes)},
		{"transports", jeromqStrs(caps.Transports), []string{"inproc", "tcp"}},
		{"options", jeromqStrs(caps.Options), []string{"IMMEDIATE", "LINGER", "RCVHWM", "RCVTIMEO", "RECONNECT_IVL",
			"ROUTER_MANDATORY", "ROUTING_ID", "SNDHWM", "SNDTIMEO", "SUBSCRIBE", "UNSUBSCRIBE", "XPUB_VERBOSE"}},
		{"features", caps.Features, []string{drivers.FeaturePoller, remote.FeatureBulk}},
	} {
		sort.Strings(c.got)
		sort.Strings(c.want)
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func jeromqStrs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestJeromqContract runs the driver contract on JeroMQ, both ends in
// agents; -short keeps tcp only, like drivers/remote's contract test.
func TestJeromqContract(t *testing.T) {
	d := jeromqDriver(t)
	opts := drivertest.Options{}
	if testing.Short() {
		opts.Transports = []drivers.Transport{drivers.TCP}
	}
	res := drivertest.Evaluate(d, nil, opts)
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

// TestJeromqPairLibzmq exchanges messages between JeroMQ and libzmq over
// tcp in every arrangement: two independent ZMTP implementations.
func TestJeromqPairLibzmq(t *testing.T) {
	d := jeromqDriver(t)
	lz, err := drivers.Lookup("libzmq")
	if err != nil {
		t.Fatalf("lookup libzmq: %v", err)
	}
	drivertest.RunPair(t, d, lz, drivers.TCP)
}

// TestJeromqPoll speaks the protocol directly (the Go client has no poll):
// poll waits for its deadline when nothing is ready, reports in and out
// per item, never takes a message, and answers closed for a socket closed
// under it.
func TestJeromqPoll(t *testing.T) {
	jeromqDriver(t)
	p := startAgentPipe(t, jeromqAgent)
	pull, push := p.pushPull("inproc://poll")

	start := time.Now()
	r := p.call(map[string]any{"op": "poll", "items": []any{map[string]any{"socket": pull, "events": []string{"in"}}}, "deadline_ms": 100})
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("poll with nothing ready answered after %v, before its 100ms deadline", el)
	}
	p.wantReady(r, `[[]]`)

	p.wantOK(p.call(map[string]any{"op": "send", "socket": push, "deadline_ms": 1000}, []byte("hello"), nil))
	items := []any{
		map[string]any{"socket": pull, "events": []string{"in", "out"}},
		map[string]any{"socket": push, "events": []string{"out"}},
		map[string]any{"socket": push, "events": []string{"in"}},
	}
	p.wantReady(p.call(map[string]any{"op": "poll", "items": items, "deadline_ms": 1000}), `[["in"],["out"],[]]`)
	// Polling again still sees the message: poll took nothing.
	p.wantReady(p.call(map[string]any{"op": "poll", "items": items[:1], "deadline_ms": 0}), `[["in"]]`)
	r = p.call(map[string]any{"op": "recv", "socket": pull, "deadline_ms": 1000})
	p.wantOK(r)
	if want := [][]byte{[]byte("hello"), {}}; !slices.EqualFunc(r.frames, want, bytes.Equal) {
		t.Errorf("recv after polls: got %q, want %q", r.frames, want)
	}
	p.wantReady(p.call(map[string]any{"op": "poll", "items": items[:1], "deadline_ms": 50}), `[[]]`)

	// A poll that is waiting when one of its sockets is closed answers closed.
	p.write(map[string]any{"id": 100, "op": "poll", "items": items[:1], "deadline_ms": 3000})
	p.write(map[string]any{"id": 101, "op": "close", "socket": pull})
	got := map[uint64]agentResp{}
	for range 2 {
		r := p.read()
		got[r.ID] = r
	}
	p.wantErr(got[100], "closed")
	p.wantOK(got[101])
	p.wantErr(p.call(map[string]any{"op": "poll", "items": items[:1], "deadline_ms": 0}), "closed")
	p.wantErr(p.call(map[string]any{"op": "poll", "items": []any{map[string]any{"socket": 999, "events": []string{"in"}}}}), "other")
}

// TestJeromqNoReadAhead: a message that arrives after a recv timed out
// stays for the next recv, and a recv blocked when its socket is closed
// answers closed at once.
func TestJeromqNoReadAhead(t *testing.T) {
	jeromqDriver(t)
	p := startAgentPipe(t, jeromqAgent)
	pull, push := p.pushPull("inproc://late")

	start := time.Now()
	p.wantErr(p.call(map[string]any{"op": "recv", "socket": pull, "deadline_ms": 100}), "timeout")
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("recv timed out after %v, before its 100ms deadline", el)
	}
	p.wantOK(p.call(map[string]any{"op": "send", "socket": push, "deadline_ms": 1000}, []byte("late")))
	r := p.call(map[string]any{"op": "recv", "socket": pull, "deadline_ms": 1000})
	p.wantOK(r)
	if len(r.frames) != 1 || string(r.frames[0]) != "late" {
		t.Errorf("recv after the timeout: got %q, want [\"late\"]", r.frames)
	}

	start = time.Now()
	p.write(map[string]any{"id": 200, "op": "recv", "socket": pull, "deadline_ms": 3000})
	p.write(map[string]any{"id": 201, "op": "close", "socket": pull})
	for range 2 {
		r := p.read()
		switch r.ID {
		case 200:
			p.wantErr(r, "closed")
		case 201:
			p.wantOK(r)
		default:
			t.Errorf("response to id %d, want 200 or 201", r.ID)
		}
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("close of a socket with a blocked recv took %v; want the recv released at once", el)
	}
	p.wantErr(p.call(map[string]any{"op": "recv", "socket": pull, "deadline_ms": 0}), "closed")
}

// TestJeromqErrors: JeroMQ's own error codes reach the client as the
// contract's kinds, and what the API lacks answers unsupported.
func TestJeromqErrors(t *testing.T) {
	jeromqDriver(t)
	p := startAgentPipe(t, jeromqAgent)
	ctx := p.call(map[string]any{"op": "new_context"}).Result["context"]
	sock := func(typ string) uint64 {
		r := p.call(map[string]any{"op": "new_socket", "context": ctx, "type": typ})
		p.wantOK(r)
		return uint64(r.Result["socket"].(float64))
	}
	pub, req, router := sock("PUB"), sock("REQ"), sock("ROUTER")
	// ENOTSUP: PUB cannot receive.
	p.wantErr(p.call(map[string]any{"op": "recv", "socket": pub, "deadline_ms": 100}), "not-allowed")
	// EFSM: REQ must send before it receives.
	p.wantErr(p.call(map[string]any{"op": "recv", "socket": req, "deadline_ms": 100}), "invalid-state")
	// EHOSTUNREACH: ROUTER_MANDATORY to a peer that does not exist.
	p.wantOK(p.call(map[string]any{"op": "set_option", "socket": router, "name": "ROUTER_MANDATORY", "value": map[string]any{"int": 1}}))
	p.wantErr(p.call(map[string]any{"op": "send", "socket": router, "deadline_ms": 100}, []byte("nobody"), []byte("x")), "host-unreachable")
	// What JeroMQ 0.3.6 lacks.
	p.wantErr(p.call(map[string]any{"op": "bind", "socket": pub, "endpoint": "ipc:///tmp/zharness-jeromq"}), "unsupported")
	p.wantErr(p.call(map[string]any{"op": "set_option", "socket": req, "name": "REQ_RELAXED", "value": map[string]any{"int": 1}}), "unsupported")
	p.wantErr(p.call(map[string]any{"op": "new_socket", "context": ctx, "type": "STREAM"}), "unsupported")
	p.wantErr(p.call(map[string]any{"op": "no_such_op"}), "unsupported")
	// A value JeroMQ refuses (zmq.Options throws IllegalArgumentException).
	p.wantErr(p.call(map[string]any{"op": "set_option", "socket": pub, "name": "SNDHWM", "value": map[string]any{"int": -1}}), "other")
	p.wantOK(p.call(map[string]any{"op": "close_context", "context": ctx}))
	p.wantErr(p.call(map[string]any{"op": "send", "socket": pub, "deadline_ms": 100}, []byte("x")), "closed")
	p.wantErr(p.call(map[string]any{"op": "close_context", "context": ctx}), "closed")
}

// TestJeromqStartup measures the agent's start-up: the time from starting
// the JVM to reading its hello, which every context pays once.
func TestJeromqStartup(t *testing.T) {
	jeromqDriver(t)
	dir, err := Prepared(jeromqAgent)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	var worst, sum time.Duration
	for range n {
		cmd := jeromqAgent.Command(dir, "--driver", "jeromq")
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var hdr [4]byte
		_, err := io.ReadFull(stdout, hdr[:])
		el := time.Since(start)
		stdin.Close()
		io.Copy(io.Discard, stdout)
		if werr := cmd.Wait(); err != nil || werr != nil {
			t.Fatalf("agent: read hello: %v, exit: %v", err, werr)
		}
		sum += el
		worst = max(worst, el)
	}
	t.Logf("hello latency over %d starts: mean %v, worst %v", n, sum/n, worst)
	if worst > 5*time.Second {
		t.Errorf("hello after %v; the client's start-up bound would be at risk", worst)
	}
}

// BenchmarkJeromqPushPull streams 64-byte messages PUSH→PULL over tcp
// between two JeroMQ agents (one per context), sending and receiving
// concurrently; ns/op is per message, through two agent calls:
//
//	go test ./drivers/agents -run '^$' -bench JeromqPushPull -benchtime 5000x
func BenchmarkJeromqPushPull(b *testing.B) {
	d := jeromqDriver(b)
	c1, err := d.NewContext()
	if err != nil {
		b.Fatal(err)
	}
	defer c1.Close()
	c2, err := d.NewContext()
	if err != nil {
		b.Fatal(err)
	}
	defer c2.Close()
	eps, err := drivers.NewEndpoints()
	if err != nil {
		b.Fatal(err)
	}
	defer eps.Close()
	ep, err := eps.New(drivers.TCP)
	if err != nil {
		b.Fatal(err)
	}
	pull, err := c1.NewSocket(drivers.PULL)
	if err != nil {
		b.Fatal(err)
	}
	push, err := c2.NewSocket(drivers.PUSH)
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

// jeromqBulk returns the jeromq driver's measurement loops.
func jeromqBulk(t testing.TB) drivers.Bulk {
	t.Helper()
	bk, ok := drivers.AsBulk(jeromqDriver(t))
	if !ok {
		t.Fatal("the jeromq driver has no bulk loops although its hello declares the bulk feature")
	}
	return bk
}

// jeromqBulkPair runs a loop pair over tcp, one agent each: the receiving
// (or serving) end binds and the sending (or client) end connects. It returns the binding end's result and
// then the connecting end's.
func jeromqBulkPair(t testing.TB, bk drivers.Bulk, bindT, connT drivers.SocketType, size, count int, latency bool) (bound, conn drivers.BulkResult) {
	t.Helper()
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	ep, err := eps.New(drivers.TCP)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	spec := func(typ drivers.SocketType, bind bool) drivers.BulkSpec {
		return drivers.BulkSpec{Socket: typ, Endpoint: ep, Bind: bind, Size: size, Count: count, Warmup: 100}
	}
	bindLoop, connLoop := bk.ThroughputRecv, bk.ThroughputSend
	if latency {
		bindLoop, connLoop = bk.LatencyServe, bk.LatencyClient
	}
	conn, bound, cerr, berr := loopPair(ctx, connLoop, bindLoop, spec(connT, false), spec(bindT, true))
	if cerr != nil || berr != nil {
		t.Fatalf("bulk pair %s/%s: binding end: %v; connecting end: %v", bindT, connT, berr, cerr)
	}
	return bound, conn
}

// TestJeromqBulk drives each loop pair through drivers.AsBulk, one agent
// per end over tcp, and checks what each end reports. PUB→SUB is left
// out: PUB drops what it sends before the subscription arrives, so the
// receiving loop's count is not deterministic.
func TestJeromqBulk(t *testing.T) {
	bk := jeromqBulk(t)
	const n = 2000
	recv, send := jeromqBulkPair(t, bk, drivers.PULL, drivers.PUSH, 64, n, false)
	if recv.Count != n || send.Count != n || recv.Elapsed <= 0 || send.Elapsed <= 0 {
		t.Errorf("PUSH→PULL: recv %+v, send %+v; want count %d and positive times", recv, send, n)
	}
	pairs := []struct{ bind, conn drivers.SocketType }{{drivers.REP, drivers.REQ}}
	if !testing.Short() {
		pairs = append(pairs, struct{ bind, conn drivers.SocketType }{drivers.PAIR, drivers.PAIR})
	}
	for _, c := range pairs {
		serve, client := jeromqBulkPair(t, bk, c.bind, c.conn, 1024, n/4, true)
		if serve.Count != n/4 || client.Count != n/4 || len(client.Samples) != n/4 || client.Elapsed <= 0 {
			t.Fatalf("%s↔%s: serve %+v, client count %d, %d samples, elapsed %v; want %d round trips",
				c.conn, c.bind, serve, client.Count, len(client.Samples), client.Elapsed, n/4)
		}
		var sum int64
		for _, s := range client.Samples {
			if s <= 0 {
				t.Fatalf("%s↔%s: round trip of %d ns", c.conn, c.bind, s)
			}
			sum += s
		}
		// The samples are consecutive slices of the timed part.
		if d := time.Duration(sum) - client.Elapsed; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s↔%s: samples sum to %v, elapsed %v", c.conn, c.bind, time.Duration(sum), client.Elapsed)
		}
	}
}

// TestJeromqBulkProtocol speaks the protocol directly: a loop with no peer
// answers timeout at its deadline, not before and not much later, while
// the agent keeps answering other requests; bad requests are refused.
func TestJeromqBulkProtocol(t *testing.T) {
	jeromqDriver(t)
	p := startAgentPipe(t, jeromqAgent)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	ep, err := eps.New(drivers.TCP)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.write(map[string]any{"id": 300, "op": "bulk", "loop": "throughput_recv", "socket_type": "PULL",
		"endpoint": ep, "bind": true, "size": 64, "count": 10, "deadline_ms": 400})
	// The engine answers at once while the loop waits on its own thread.
	r := p.call(map[string]any{"op": "new_context"})
	p.wantOK(r)
	if el := time.Since(start); el > 300*time.Millisecond {
		t.Errorf("new_context during a bulk loop answered after %v", el)
	}
	r = p.read()
	el := time.Since(start)
	if r.ID != 300 {
		t.Fatalf("response to id %d, want 300", r.ID)
	}
	p.wantErr(r, "timeout")
	if el < 400*time.Millisecond || el > 900*time.Millisecond {
		t.Errorf("bulk loop without a peer answered after %v, want 400ms (+100ms poll, +linger-free close)", el)
	}
	if r.Error != nil && !strings.Contains(r.Error.Message, "after 0 of 10") {
		t.Errorf("timeout message %q does not say what was measured", r.Error.Message)
	}
	base := map[string]any{"op": "bulk", "endpoint": ep, "bind": true, "size": 64, "count": 10, "deadline_ms": 200}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	p.wantErr(p.call(with("loop", "no_such_loop", "socket_type", "PULL")), "unsupported")
	p.wantErr(p.call(with("loop", "throughput_recv", "socket_type", "PUSH")), "unsupported")
	p.wantErr(p.call(with("loop", "throughput_recv", "socket_type", "PULL", "endpoint", "ipc:///tmp/zh-jeromq-bulk")), "unsupported")
	p.wantErr(p.call(with("loop", "throughput_recv", "socket_type", "PULL", "size", -1)), "other")
}

// TestJeromqBulkWrongSize: a message of another size than the request's
// ends the loop with "other".
func TestJeromqBulkWrongSize(t *testing.T) {
	bk := jeromqBulk(t)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	ep, err := eps.New(drivers.TCP)
	if err != nil {
		t.Fatal(err)
	}
	// Count 0: one (warm-up) message each way, so the sender's queue is
	// empty when the receiver leaves and its close need not linger.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := bk.ThroughputSend(ctx, drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: 10})
		done <- err
	}()
	_, err = bk.ThroughputRecv(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 64})
	if drivers.KindOf(err) != drivers.KindOther || !strings.Contains(err.Error(), "10 bytes") {
		t.Errorf("receiving 10-byte messages in a 64-byte loop: %v, want kind other naming the size", err)
	}
	if err := <-done; err != nil {
		t.Errorf("sender of the wrong size: %v", err)
	}
}

// BenchmarkJeromqBulk measures JeroMQ↔JeroMQ over tcp with the agents'
// own loops: PUSH→PULL throughput (msg/s at the receiver) and REQ↔REP
// round-trip latency (p50), at 64 B and 1 KiB; b.N is the message count.
//
//	go test ./drivers/agents -run '^$' -bench JeromqBulk -benchtime 200000x
func BenchmarkJeromqBulk(b *testing.B) {
	bk := jeromqBulk(b)
	for _, size := range []int{64, 1024} {
		b.Run(fmt.Sprintf("thr/%dB", size), func(b *testing.B) {
			recv, _ := jeromqBulkPair(b, bk, drivers.PULL, drivers.PUSH, size, b.N, false)
			b.ReportMetric(float64(recv.Count)/recv.Elapsed.Seconds(), "msg/s")
			b.ReportMetric(float64(recv.Count*size*8)/recv.Elapsed.Seconds()/1e6, "Mbit/s")
		})
		b.Run(fmt.Sprintf("lat/%dB", size), func(b *testing.B) {
			n := max(b.N/10, 1)
			_, client := jeromqBulkPair(b, bk, drivers.REP, drivers.REQ, size, n, true)
			s := slices.Clone(client.Samples)
			slices.Sort(s)
			b.ReportMetric(float64(s[len(s)/2])/1e3, "p50-rtt-µs")
			b.ReportMetric(float64(s[len(s)*99/100])/1e3, "p99-rtt-µs")
		})
	}
}
