package agents

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"

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
		{"features", caps.Features, []string{drivers.FeaturePoller}},
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
	p := startJeromqPipe(t)
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
	got := map[uint64]jeromqResp{}
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
	p := startJeromqPipe(t)
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
	p := startJeromqPipe(t)
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

// jeromqPipe is a raw protocol client of one JeroMQ agent process.
type jeromqPipe struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	frames chan jeromqResp
	nextID uint64
}

// jeromqResp is one response with its binary frames; result numbers are
// float64, as encoding/json decodes them.
type jeromqResp struct {
	ID     uint64         `json:"id"`
	OK     bool           `json:"ok"`
	Result map[string]any `json:"result"`
	Error  *struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
	frames [][]byte
}

// jeromqIOTimeout bounds every read of a response.
const jeromqIOTimeout = 10 * time.Second

// startJeromqPipe starts an agent, checks its hello and stops it (closing
// stdin, then waiting for its exit) when the test ends.
func startJeromqPipe(t *testing.T) *jeromqPipe {
	t.Helper()
	dir, err := Prepared(jeromqAgent)
	if err != nil {
		t.Fatal(err)
	}
	cmd := jeromqAgent.Command(dir, "--driver", "jeromq")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &jeromqPipe{t: t, cmd: cmd, in: in, out: bufio.NewReader(out), frames: make(chan jeromqResp, 16)}
	// One reader goroutine, so each read can be bounded by a timer.
	go func() {
		defer close(p.frames)
		for {
			r, err := p.readOne()
			if err != nil {
				return
			}
			p.frames <- r
		}
	}()
	t.Cleanup(func() {
		in.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("agent exit: %v; stderr: %s", err, stderr.String())
			}
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
			t.Errorf("agent still running 5 s after its stdin closed; stderr: %s", stderr.String())
		}
	})
	hello := p.read()
	if hello.ID != 0 || hello.Result != nil {
		t.Fatalf("first frame is not a hello: %+v", hello)
	}
	return p
}

// readOne reads one JSON frame and the binary frames its "parts" announces.
// The hello decodes as a response with id 0.
func (p *jeromqPipe) readOne() (jeromqResp, error) {
	body, err := jeromqFrame(p.out)
	if err != nil {
		return jeromqResp{}, err
	}
	var r jeromqResp
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("bad frame %q: %w", body, err)
	}
	if n, ok := r.Result["parts"].(float64); ok {
		for range int(n) {
			f, err := jeromqFrame(p.out)
			if err != nil {
				return r, err
			}
			r.frames = append(r.frames, f)
		}
	}
	return r, nil
}

func jeromqFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

func (p *jeromqPipe) read() jeromqResp {
	p.t.Helper()
	select {
	case r, ok := <-p.frames:
		if !ok {
			p.t.Fatal("agent output ended")
		}
		return r
	case <-time.After(jeromqIOTimeout):
		p.t.Fatalf("no frame within %v", jeromqIOTimeout)
	}
	return jeromqResp{}
}

// write sends req (with "parts" set from parts) and its binary frames; an
// id is assigned when req has none.
func (p *jeromqPipe) write(req map[string]any, parts ...[]byte) uint64 {
	p.t.Helper()
	if _, ok := req["id"]; !ok {
		p.nextID++
		req["id"] = 1000 + p.nextID
	}
	if len(parts) > 0 {
		req["parts"] = len(parts)
	}
	body, err := json.Marshal(req)
	if err != nil {
		p.t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, f := range append([][]byte{body}, parts...) {
		buf.Write(binary.BigEndian.AppendUint32(nil, uint32(len(f))))
		buf.Write(f)
	}
	if _, err := p.in.Write(buf.Bytes()); err != nil {
		p.t.Fatal(err)
	}
	switch id := req["id"].(type) {
	case int:
		return uint64(id)
	case uint64:
		return id
	}
	p.t.Fatalf("request id %v is not an int", req["id"])
	return 0
}

// call writes req and returns its response (the only one in flight).
func (p *jeromqPipe) call(req map[string]any, parts ...[]byte) jeromqResp {
	p.t.Helper()
	id := p.write(req, parts...)
	r := p.read()
	if r.ID != id {
		p.t.Fatalf("response to id %d, want %d", r.ID, id)
	}
	return r
}

// pushPull makes a context with a PULL bound to ep and a PUSH connected.
func (p *jeromqPipe) pushPull(ep string) (pull, push uint64) {
	p.t.Helper()
	c := p.call(map[string]any{"op": "new_context"})
	p.wantOK(c)
	sock := func(typ string) uint64 {
		r := p.call(map[string]any{"op": "new_socket", "context": c.Result["context"], "type": typ})
		p.wantOK(r)
		return uint64(r.Result["socket"].(float64))
	}
	pull, push = sock("PULL"), sock("PUSH")
	p.wantOK(p.call(map[string]any{"op": "bind", "socket": pull, "endpoint": ep}))
	p.wantOK(p.call(map[string]any{"op": "connect", "socket": push, "endpoint": ep}))
	return pull, push
}

func (p *jeromqPipe) wantOK(r jeromqResp) {
	p.t.Helper()
	if !r.OK {
		p.t.Errorf("response %d: %+v, want ok", r.ID, r.Error)
	}
}

func (p *jeromqPipe) wantErr(r jeromqResp, kind string) {
	p.t.Helper()
	if r.OK || r.Error == nil || r.Error.Kind != kind {
		p.t.Errorf("response %d: ok %v error %+v, want error of kind %s", r.ID, r.OK, r.Error, kind)
	}
}

func (p *jeromqPipe) wantReady(r jeromqResp, want string) {
	p.t.Helper()
	p.wantOK(r)
	got, _ := json.Marshal(r.Result["ready"])
	if string(got) != want {
		p.t.Errorf("poll %d: ready %s, want %s", r.ID, got, want)
	}
}
