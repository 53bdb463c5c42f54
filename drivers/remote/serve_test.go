package remote_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/remote"
)

// agentPipe runs Serve for driver name in this process and gives raw
// access to its frames, as an agent author's test client would have.
type agentPipe struct {
	t    *testing.T
	in   *io.PipeWriter
	out  *bufio.Reader
	done chan error
}

func newAgentPipe(t *testing.T, name string) *agentPipe {
	t.Helper()
	d := lookup(t, name)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p := &agentPipe{t: t, in: inW, out: bufio.NewReader(outR), done: make(chan error, 1)}
	go func() {
		err := remote.Serve(d, inR, outW)
		outW.Close()
		p.done <- err
	}()
	t.Cleanup(func() {
		inW.Close()
		go io.Copy(io.Discard, outR) // let late responses drain
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after its input ended")
		}
	})
	return p
}

// writeRaw writes body as one frame, then each part as a binary frame.
func (p *agentPipe) writeRaw(body string, parts ...string) {
	p.t.Helper()
	for _, f := range append([]string{body}, parts...) {
		var hdr [4]byte
		binary.BigEndian.PutUint32(hdr[:], uint32(len(f)))
		if _, err := p.in.Write(append(hdr[:], f...)); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *agentPipe) readFrame() []byte {
	p.t.Helper()
	var hdr [4]byte
	if _, err := io.ReadFull(p.out, hdr[:]); err != nil {
		p.t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	if _, err := io.ReadFull(p.out, body); err != nil {
		p.t.Fatal(err)
	}
	return body
}

// read reads one JSON frame into v; for a response it also reads the
// binary frames its result announces, rendering them as JSON strings
// in the returned text.
func (p *agentPipe) read(v any) string {
	p.t.Helper()
	body := p.readFrame()
	if err := json.Unmarshal(body, v); err != nil {
		p.t.Fatalf("%s: %v", body, err)
	}
	text := string(body)
	if r, ok := v.(*remote.Response); ok && r.Result != nil {
		for range r.Result.Parts {
			f := p.readFrame()
			r.Result.Frames = append(r.Result.Frames, f)
			text += fmt.Sprintf(" %q", f)
		}
	}
	return text
}

// ask writes one request and reads one response (callers that pipeline
// use writeRaw and read), returning the response as text.
func (p *agentPipe) ask(req string, parts ...string) (remote.Response, string) {
	p.t.Helper()
	p.writeRaw(req, parts...)
	var r remote.Response
	text := p.read(&r)
	return r, text
}

// TestServeExchange walks the example exchange of PROTOCOL.md against
// the Go agent: hello, context, sockets, an option, bind/connect, a
// two-frame message with an empty frame, a timed-out receive, errors.
func TestServeExchange(t *testing.T) {
	p := newAgentPipe(t, "libzmq")
	var hello remote.Hello
	p.read(&hello)
	if hello.Type != "hello" || hello.Protocol != remote.ProtocolVersion || hello.Driver != "libzmq" ||
		!strings.Contains(strings.Join(hello.Capabilities.Sockets, ","), "PAIR") {
		t.Fatalf("hello: %+v", hello)
	}
	steps := []struct {
		req   string
		parts []string
		want  string
	}{
		{`{"id":1,"op":"new_context"}`, nil, `{"id":1,"ok":true,"result":{"context":1}}`},
		{`{"id":2,"op":"new_socket","context":1,"type":"PULL"}`, nil, `{"id":2,"ok":true,"result":{"socket":2}}`},
		{`{"id":3,"op":"new_socket","context":1,"type":"PUSH"}`, nil, `{"id":3,"ok":true,"result":{"socket":3}}`},
		{`{"id":4,"op":"set_option","socket":2,"name":"RCVHWM","value":{"int":10}}`, nil, `{"id":4,"ok":true}`},
		{`{"id":5,"op":"bind","socket":2,"endpoint":"inproc://example"}`, nil, `{"id":5,"ok":true}`},
		{`{"id":6,"op":"connect","socket":3,"endpoint":"inproc://example"}`, nil, `{"id":6,"ok":true}`},
		{`{"id":7,"op":"send","socket":3,"parts":2,"deadline_ms":1000}`, []string{"hello", ""}, `{"id":7,"ok":true}`},
		{`{"id":8,"op":"recv","socket":2,"deadline_ms":1000}`, nil, `{"id":8,"ok":true,"result":{"parts":2}} "hello" ""`},
		{`{"id":9,"op":"recv","socket":2,"deadline_ms":50}`, nil, `{"id":9,"ok":false,"error":{"kind":"timeout","op":"recv"`},
		{`{"id":10,"op":"set_option","socket":2,"name":"NO_SUCH_OPTION","value":{"int":1}}`, nil, `kind":"unsupported"`},
		{`{"id":11,"op":"new_socket","context":1,"type":"NO_SUCH_TYPE"}`, nil, `kind":"unsupported"`},
		{`{"id":12,"op":"monitor","socket":2}`, nil, `{"id":12,"ok":false,"error":{"kind":"unsupported","op":"monitor","message":"operation monitor is not supported by this implementation"}}`},
		{`{"id":14,"op":"poll","items":[{"socket":2,"events":["in"]},{"socket":3,"events":["out"]}],"deadline_ms":50}`, nil, `{"id":14,"ok":true,"result":{"ready":[[],["out"]]}}`},
		{`{"id":13,"op":"recv","socket":99,"deadline_ms":10}`, nil, `"kind":"other","message":"no socket 99 was created by this agent"`},
		{`{"id":14,"op":"close","socket":2}`, nil, `{"id":14,"ok":true}`},
		{`{"id":15,"op":"recv","socket":2,"deadline_ms":10}`, nil, `kind":"closed"`},
		{`{"id":16,"op":"close_context","context":1}`, nil, `{"id":16,"ok":true}`},
		{`{"id":17,"op":"send","socket":3,"parts":1,"deadline_ms":10}`, []string{"x"}, `kind":"closed"`},
	}
	for _, s := range steps {
		_, got := p.ask(s.req, s.parts...)
		if !strings.Contains(got, s.want) {
			t.Errorf("%s\n got %s\nwant %s", s.req, got, s.want)
		}
	}
}

// TestServeConcurrent: a receive blocked on one socket does not delay
// requests on another, and a close of its own socket is answered (libzmq's
// driver lets the blocked receive reach its deadline first).
func TestServeConcurrent(t *testing.T) {
	p := newAgentPipe(t, "libzmq")
	var hello remote.Hello
	p.read(&hello)
	for _, req := range []string{
		`{"id":1,"op":"new_context"}`,
		`{"id":2,"op":"new_socket","context":1,"type":"PULL"}`,
		`{"id":3,"op":"bind","socket":2,"endpoint":"inproc://c"}`,
	} {
		if r, _ := p.ask(req); !r.OK {
			t.Fatalf("%s: %+v", req, r.Error)
		}
	}
	p.writeRaw(`{"id":4,"op":"recv","socket":2,"deadline_ms":1000}`)
	p.writeRaw(`{"id":5,"op":"new_socket","context":1,"type":"PUSH"}`)
	var r remote.Response
	p.read(&r)
	if r.ID != 5 || !r.OK {
		t.Fatalf("got %+v before the blocked receive, want the new_socket answer (id 5)", r)
	}
	start := time.Now()
	p.writeRaw(`{"id":6,"op":"close","socket":2}`)
	got := map[uint64]string{}
	for range 2 {
		var r remote.Response
		text := p.read(&r)
		got[r.ID] = text
	}
	if !strings.Contains(got[6], `"ok":true`) || !strings.Contains(got[4], `"kind":"closed"`) && !strings.Contains(got[4], `"kind":"timeout"`) {
		t.Errorf("close (id 6) and the blocked recv (id 4): got %v", got)
	}
	within(t, "close of a socket with a blocked receive", time.Since(start), 3*time.Second)
}

// TestServeBadInput: a frame that is not JSON ends Serve with an error
// that quotes it (the client then treats the agent as broken).
func TestServeBadInput(t *testing.T) {
	d := lookup(t, "gozmq")
	var in bytes.Buffer
	in.Write([]byte{0, 0, 0, 5})
	in.WriteString("nope!")
	err := remote.Serve(d, &in, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "nope!") {
		t.Errorf("got %v, want a malformed-request error quoting the frame", err)
	}
	in.Reset()
	in.Write([]byte{0xff, 0xff, 0xff, 0xff})
	if err := remote.Serve(d, &in, io.Discard); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("got %v, want a frame-length error", err)
	}
}

// TestUnavailable: an agent that cannot serve the name makes Lookup fail
// with the agent's own reason, and leaves no process behind.
func TestUnavailable(t *testing.T) {
	noChildrenLeft(t)
	_, err := drivers.Lookup("remote:nosuchdriver")
	if err == nil || !strings.Contains(err.Error(), `unknown driver "nosuchdriver"`) || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("got %v, want unavailable with the agent's stderr and exit status", err)
	}
	if _, err := drivers.Lookup("remote:"); err == nil {
		t.Error("remote: with no inner driver was accepted")
	}
}

// TestCancelledRecvHandsOver: a Recv whose context is cancelled before
// its deadline returns at once, and the message the agent receives late
// goes to the next Recv, not nowhere (decisions.md, ruling 8).
func TestCancelledRecvHandsOver(t *testing.T) {
	noChildrenLeft(t)
	d := lookup(t, "remote:libzmq")
	c, err := d.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pull, _ := c.NewSocket(drivers.PULL)
	push, _ := c.NewSocket(drivers.PUSH)
	if err := pull.Bind("inproc://late"); err != nil {
		t.Fatal(err)
	}
	if err := push.Connect("inproc://late"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	recvDone := make(chan error, 1)
	go func() {
		_, err := pull.Recv(ctx)
		recvDone <- err
	}()
	time.Sleep(100 * time.Millisecond) // let the Recv reach the agent; no signal exists for that
	start := time.Now()
	cancel()
	if err := <-recvDone; err == nil || drivers.KindOf(err) == drivers.KindTimeout {
		t.Errorf("cancelled Recv: got %v, want a cancellation error", err)
	}
	within(t, "the cancelled Recv", time.Since(start), 500*time.Millisecond)
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := push.Send(sctx, drivers.MsgFromStrings("late")); err != nil {
		t.Fatal(err)
	}
	m, err := pull.Recv(sctx)
	if err != nil || len(m) != 1 || string(m[0]) != "late" {
		t.Errorf("next Recv: got %q, %v; want the message the cancelled one received", m, err)
	}
}

// TestBrokenAgents: an agent whose hello is wrong is refused with the
// reason, killed, and leaves no process behind.
func TestBrokenAgents(t *testing.T) {
	noChildrenLeft(t)
	saved := remote.Command
	defer func() { remote.Command = saved }()
	for _, c := range []struct{ first, want string }{
		{`{"type":"hello","protocol":99,"driver":"x"}`, "protocol version 99"},
		{`{"id":1,"ok":true}`, "first frame is not a hello"},
		{`not json`, "first frame is not a hello"},
	} {
		remote.Command = func(args ...string) *exec.Cmd {
			cmd := saved(args...)
			cmd.Env = append(cmd.Env, rawEnv+"="+c.first)
			return cmd
		}
		start := time.Now()
		_, err := remote.New("libzmq")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "broke the protocol") {
			t.Errorf("hello %s: got %v, want a protocol error saying %q", c.first, err, c.want)
		}
		within(t, "refusing a bad hello", time.Since(start), 5*time.Second)
	}
}
