package agents

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"
	"github.com/zharness/zharness/drivers/remote"

	// The pair check runs pyzmq against libzmq in this process.
	_ "github.com/zharness/zharness/drivers/libzmq"
)

// pyzmqDriver returns the registered pyzmq driver, skipping the test only
// when the runtime (the interpreter with zmq) is absent.
func pyzmqDriver(t testing.TB) drivers.Driver {
	t.Helper()
	if err := pyzmqRuntime(); err != nil {
		t.Skipf("pyzmq runtime absent: %v", err)
	}
	d, err := drivers.Lookup("pyzmq")
	if err != nil {
		t.Fatalf("lookup pyzmq: %v", err)
	}
	return d
}

// TestPyzmqHello: the probe reports pyzmq's and libzmq's real versions,
// and, since pyzmq exposes the libzmq it runs on, the same sockets,
// transports, options and features as the libzmq driver on this machine
// (plus nothing else), and the bulk loops, which the libzmq driver offers
// as drivers.Bulk rather than as a feature.
func TestPyzmqHello(t *testing.T) {
	d := pyzmqDriver(t)
	v := d.Version()
	if d.Name() != "pyzmq" || !strings.HasPrefix(v, "pyzmq ") || !strings.Contains(v, "(libzmq 4.") {
		t.Errorf("name %q version %q, want pyzmq and \"pyzmq X (libzmq 4.x.y)\"", d.Name(), v)
	}
	lz, err := drivers.Lookup("libzmq")
	if err != nil {
		t.Fatalf("lookup libzmq: %v", err)
	}
	got, want := d.Capabilities(), lz.Capabilities()
	sorted := func(xs []string) []string { return slices.Sorted(slices.Values(xs)) }
	for _, c := range []struct {
		what      string
		got, want []string
	}{
		{"sockets", pyzmqStrs(got.Sockets), pyzmqStrs(want.Sockets)},
		{"transports", pyzmqStrs(got.Transports), pyzmqStrs(want.Transports)},
		{"options", pyzmqStrs(got.Options), pyzmqStrs(want.Options)},
		{"features", slices.DeleteFunc(slices.Clone(got.Features), func(f string) bool { return f == remote.FeatureBulk }), want.Features},
	} {
		if !slices.Equal(sorted(c.got), sorted(c.want)) {
			t.Errorf("%s: pyzmq declares %v, libzmq %v", c.what, sorted(c.got), sorted(c.want))
		}
	}
	if !got.HasFeature(drivers.FeaturePoller) {
		t.Errorf("features %v: want poller (zmq.Poller)", got.Features)
	}
	if !got.HasFeature(remote.FeatureBulk) {
		t.Errorf("features %v: want bulk", got.Features)
	}
}

func pyzmqStrs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestPyzmqContract runs the driver contract on pyzmq, both ends in
// agents; -short keeps tcp only, like drivers/remote's contract test.
func TestPyzmqContract(t *testing.T) {
	d := pyzmqDriver(t)
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

// TestPyzmqPairLibzmq exchanges messages between pyzmq and libzmq over
// tcp in every arrangement.
func TestPyzmqPairLibzmq(t *testing.T) {
	d := pyzmqDriver(t)
	lz, err := drivers.Lookup("libzmq")
	if err != nil {
		t.Fatalf("lookup libzmq: %v", err)
	}
	drivertest.RunPair(t, d, lz, drivers.TCP)
}

// TestPyzmqPoll speaks the protocol directly (the Go client has no poll
// yet): poll waits for its deadline when nothing is ready, reports in and
// out per item, never takes a message, and refuses closed sockets.
func TestPyzmqPoll(t *testing.T) {
	pyzmqDriver(t)
	p := startAgentPipe(t, pyzmqAgent)
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

	// A poll blocked on a socket that gets closed answers closed.
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

// TestPyzmqPollerDriver polls through the driver API (drivers.Poller on
// the remote context), as scenarios do.
func TestPyzmqPollerDriver(t *testing.T) {
	d := pyzmqDriver(t)
	c, err := d.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	poller, ok := c.(drivers.Poller)
	if !ok {
		t.Fatalf("context %T is no drivers.Poller", c)
	}
	pull, err1 := c.NewSocket(drivers.PULL)
	push, err2 := c.NewSocket(drivers.PUSH)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if err := pull.Bind("inproc://poller"); err != nil {
		t.Fatal(err)
	}
	if err := push.Connect("inproc://poller"); err != nil {
		t.Fatal(err)
	}
	poll := func(d time.Duration) []drivers.PollEvents {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		ev, err := poller.Poll(ctx, []drivers.PollItem{{Socket: pull, Events: drivers.PollIn | drivers.PollOut}, {Socket: push, Events: drivers.PollOut}})
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		return ev
	}
	start := time.Now()
	if ev := poll(100 * time.Millisecond); ev[0] != 0 || ev[1] != drivers.PollOut {
		t.Errorf("Poll with no message: %v, want [none out]", ev)
	}
	if el := time.Since(start); el > 90*time.Millisecond {
		// PUSH is writable at once, so the poll must not wait.
		t.Errorf("Poll with a writable PUSH took %v", el)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := push.Send(ctx, drivers.MsgFromStrings("x")); err != nil {
		t.Fatal(err)
	}
	if ev := poll(time.Second); ev[0] != drivers.PollIn {
		t.Errorf("Poll after a send: PULL %v, want in", ev[0])
	}
	if m, err := pull.Recv(ctx); err != nil || !m.Equal(drivers.MsgFromStrings("x")) {
		t.Errorf("Recv after Poll: %q, %v; want the message Poll saw", m, err)
	}
}

// TestPyzmqNoReadAhead: a message that arrives after a recv timed out
// stays for the next recv, and a recv blocked when its socket is closed
// answers closed at once.
func TestPyzmqNoReadAhead(t *testing.T) {
	pyzmqDriver(t)
	p := startAgentPipe(t, pyzmqAgent)
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

// BenchmarkPyzmqPushPull streams 64-byte messages PUSH→PULL over tcp
// between two pyzmq agents (one per context), sending and receiving
// concurrently; ns/op is per message, through two agent calls:
//
//	go test ./drivers/agents -run '^$' -bench PyzmqPushPull -benchtime 5000x
func BenchmarkPyzmqPushPull(b *testing.B) {
	d := pyzmqDriver(b)
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
	ep, _ := eps.New(drivers.TCP)
	pull, _ := c1.NewSocket(drivers.PULL)
	push, _ := c2.NewSocket(drivers.PUSH)
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

// TestPyzmqRuntimeMissing: an interpreter that cannot run makes the
// runtime check fail with a reason that names it, instead of a crash.
func TestPyzmqRuntimeMissing(t *testing.T) {
	t.Setenv("ZHARNESS_PYTHON", "/nonexistent/python3")
	err := pyzmqRuntime()
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/python3 cannot import zmq") {
		t.Errorf("runtime check with a missing interpreter: %v; want an error naming it", err)
	}
}

// pyzmqBulk returns the pyzmq driver's measurement loops.
func pyzmqBulk(t testing.TB) drivers.Bulk {
	t.Helper()
	b, ok := drivers.AsBulk(pyzmqDriver(t))
	if !ok {
		t.Fatal("pyzmq driver has no bulk loops; its hello should declare the bulk feature")
	}
	return b
}

// TestPyzmqBulkLoops runs a throughput pair (small messages, copied) and
// a latency pair (large ones, zero-copy) over tcp through drivers.Bulk,
// each loop in its own agent: every timed message and round trip is
// counted, and latency has one sample per round trip.
func TestPyzmqBulkLoops(t *testing.T) {
	bulk := pyzmqBulk(t)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const count, warmup = 2000, 10

	ep, _ := eps.New(drivers.TCP)
	recv, send, errR, errS := loopPair(ctx, bulk.ThroughputRecv, bulk.ThroughputSend,
		drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 64, Count: count, Warmup: warmup},
		drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: 64, Count: count, Warmup: warmup})
	if errR != nil || errS != nil {
		t.Fatalf("throughput: recv %v, send %v", errR, errS)
	}
	if recv.Count != count || send.Count != count || recv.Elapsed <= 0 || send.Elapsed <= 0 {
		t.Errorf("throughput: recv %+v, send %+v; want count %d and elapsed > 0 on both", recv, send, count)
	}

	// 70 000 bytes is over pyzmq's COPY_THRESHOLD: the zero-copy path
	// (the server echoes the received Frame itself).
	const trips = 500
	ep, _ = eps.New(drivers.TCP)
	srv, cli, errS, errC := loopPair(ctx, bulk.LatencyServe, bulk.LatencyClient,
		drivers.BulkSpec{Socket: drivers.REP, Endpoint: ep, Bind: true, Size: 70000, Count: trips, Warmup: warmup},
		drivers.BulkSpec{Socket: drivers.REQ, Endpoint: ep, Size: 70000, Count: trips, Warmup: warmup})
	if errS != nil || errC != nil {
		t.Fatalf("latency: serve %v, client %v", errS, errC)
	}
	if srv.Count != trips || cli.Count != trips || len(cli.Samples) != trips {
		t.Fatalf("latency: serve %+v, client count %d with %d samples; want %d", srv, cli.Count, len(cli.Samples), trips)
	}
	var sum int64
	for i, s := range cli.Samples {
		if s <= 0 {
			t.Fatalf("sample %d is %d ns", i, s)
		}
		sum += s
	}
	// The samples tile the timed part: their sum is its elapsed time
	// (up to the clock reads between the last sample and the end).
	if d := cli.Elapsed - time.Duration(sum); d < 0 || d > time.Millisecond {
		t.Errorf("latency: samples sum to %v, elapsed %v", time.Duration(sum), cli.Elapsed)
	}
}

// TestPyzmqBulkErrors: a loop without a peer answers timeout at its
// deadline (not before, not much after), a message of the wrong size
// answers other, and a socket type outside the loop's list unsupported.
func TestPyzmqBulkErrors(t *testing.T) {
	bulk := pyzmqBulk(t)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()

	ep, _ := eps.New(drivers.TCP)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	start := time.Now()
	_, err = bulk.ThroughputRecv(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 64, Count: 10})
	el := time.Since(start)
	cancel()
	if !(drivers.KindOf(err) == drivers.KindTimeout) {
		t.Errorf("throughput_recv with no sender: %v, want kind timeout", err)
	}
	// The agent's start-up is inside el, so only the upper bound is
	// tight: deadline plus one BULK_POLL_MS plus slack for the start.
	if el < 500*time.Millisecond || el > 2*time.Second {
		t.Errorf("throughput_recv with no sender answered after %v, want ~500ms", el)
	}

	ep, _ = eps.New(drivers.TCP)
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, errR, _ := loopPair(ctx, bulk.ThroughputRecv, bulk.ThroughputSend,
		drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 64, Count: 10},
		drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: 65, Count: 10})
	if !(drivers.KindOf(errR) == drivers.KindOther) || !strings.Contains(errR.Error(), "65 bytes") {
		t.Errorf("throughput_recv of 65-byte messages with size 64: %v, want kind other naming the size", errR)
	}

	_, err = bulk.LatencyClient(ctx, drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Size: 64, Count: 10})
	if !(drivers.KindOf(err) == drivers.KindUnsupported) {
		t.Errorf("latency_client on PULL: %v, want kind unsupported", err)
	}
}

// TestPyzmqBulkConcurrent speaks the protocol directly: while a bulk
// loop waits for a peer, the agent keeps answering other requests, and
// the loop answers timeout at its deadline.
func TestPyzmqBulkConcurrent(t *testing.T) {
	pyzmqDriver(t)
	p := startAgentPipe(t, pyzmqAgent)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	ep, _ := eps.New(drivers.TCP)

	start := time.Now()
	p.write(map[string]any{"id": 300, "op": "bulk", "loop": "throughput_recv", "socket_type": "PULL",
		"endpoint": ep, "bind": true, "size": 64, "count": 10, "deadline_ms": 400})
	// A whole push/pull exchange on the agent's own sockets meanwhile.
	pull, push := p.pushPull("inproc://beside-bulk")
	p.wantOK(p.call(map[string]any{"op": "send", "socket": push, "deadline_ms": 1000}, []byte("x")))
	p.wantOK(p.call(map[string]any{"op": "recv", "socket": pull, "deadline_ms": 1000}))
	if el := time.Since(start); el >= 400*time.Millisecond {
		t.Errorf("requests beside a bulk loop took %v, as long as the loop's deadline", el)
	}
	r := p.read()
	el := time.Since(start)
	if r.ID != 300 {
		t.Fatalf("response %d, want the bulk loop's 300", r.ID)
	}
	p.wantErr(r, "timeout")
	if el < 400*time.Millisecond || el > 400*time.Millisecond+500*time.Millisecond {
		t.Errorf("bulk loop with no peer answered after %v, want its 400ms deadline (+ one 100ms wait)", el)
	}
	p.wantErr(p.call(map[string]any{"op": "bulk", "loop": "sideways", "socket_type": "PULL", "endpoint": ep}), "other")
}

// BenchmarkPyzmqBulk runs the bulk loops pyzmq↔pyzmq over tcp with b.N
// timed messages or round trips, and reports what the loops measured
// (msg/s at each end of a throughput run; the latency median):
//
//	go test ./drivers/agents -run '^$' -bench PyzmqBulk -benchtime 100000x
func BenchmarkPyzmqBulk(b *testing.B) {
	bulk := pyzmqBulk(b)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		b.Fatal(err)
	}
	defer eps.Close()
	for _, size := range []int{64, 1024} {
		b.Run(fmt.Sprintf("throughput/%dB", size), func(b *testing.B) {
			ep, _ := eps.New(drivers.TCP)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			recv, send, errR, errS := loopPair(ctx, bulk.ThroughputRecv, bulk.ThroughputSend,
				drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: size, Count: b.N, Warmup: 1000},
				drivers.BulkSpec{Socket: drivers.PUSH, Endpoint: ep, Size: size, Count: b.N, Warmup: 1000})
			if errR != nil || errS != nil {
				b.Fatalf("recv %v, send %v", errR, errS)
			}
			b.ReportMetric(float64(recv.Count)/recv.Elapsed.Seconds(), "recv-msg/s")
			// The sender also sent the warm-up messages in its time.
			b.ReportMetric(float64(send.Count+1000)/send.Elapsed.Seconds(), "send-msg/s")
		})
		b.Run(fmt.Sprintf("latency/%dB", size), func(b *testing.B) {
			ep, _ := eps.New(drivers.TCP)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			_, cli, errS, errC := loopPair(ctx, bulk.LatencyServe, bulk.LatencyClient,
				drivers.BulkSpec{Socket: drivers.REP, Endpoint: ep, Bind: true, Size: size, Count: b.N, Warmup: 100},
				drivers.BulkSpec{Socket: drivers.REQ, Endpoint: ep, Size: size, Count: b.N, Warmup: 100})
			if errS != nil || errC != nil {
				b.Fatalf("serve %v, client %v", errS, errC)
			}
			s := slices.Sorted(slices.Values(cli.Samples))
			b.ReportMetric(float64(s[len(s)/2])/1e3, "p50-µs")
			b.ReportMetric(float64(s[len(s)*99/100])/1e3, "p99-µs")
		})
	}
}
