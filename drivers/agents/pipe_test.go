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
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// agentPipe is a raw protocol client of one agent process, for the tests
// that speak PROTOCOL.md directly (poll, bulk and concurrency checks the
// Go client does not expose frame by frame).
type agentPipe struct {
	t      *testing.T
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	frames chan agentResp
	nextID uint64
}

// agentResp is one response with its binary frames; result numbers are
// float64, as encoding/json decodes them.
type agentResp struct {
	ID     uint64         `json:"id"`
	OK     bool           `json:"ok"`
	Result map[string]any `json:"result"`
	Error  *struct {
		Kind    string `json:"kind"`
		Op      string `json:"op"`
		Message string `json:"message"`
	} `json:"error"`
	frames [][]byte

	// Hello fields: set only in the agent's first frame.
	Type     string `json:"type"`
	Protocol int    `json:"protocol"`
	Driver   string `json:"driver"`
}

// agentIOTimeout bounds every read of a response.
const agentIOTimeout = 10 * time.Second

// startAgentPipe starts a's agent, checks its hello, and at cleanup
// closes its stdin and requires it to exit with status 0 within 5 s.
func startAgentPipe(t *testing.T, a Agent) *agentPipe {
	t.Helper()
	dir, err := Prepared(a)
	if err != nil {
		t.Fatal(err)
	}
	cmd := a.Command(dir, "--driver", a.Name)
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
	p := &agentPipe{t: t, cmd: cmd, in: in, out: bufio.NewReader(out), frames: make(chan agentResp, 16)}
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
				t.Errorf("agent exit: %v, want status 0; stderr: %s", err, stderr.String())
			}
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("agent still running 5 s after its stdin closed; stderr: %s", stderr.String())
		}
	})
	hello := p.read()
	if hello.Type != "hello" || hello.Protocol != 1 || hello.Driver != a.Name {
		t.Fatalf("first frame is not %s's hello: %+v", a.Name, hello)
	}
	return p
}

// readOne reads one JSON frame and the binary frames its "parts" announces.
func (p *agentPipe) readOne() (agentResp, error) {
	body, err := readAgentFrame(p.out)
	if err != nil {
		return agentResp{}, err
	}
	var r agentResp
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("bad frame %q: %w", body, err)
	}
	if n, ok := r.Result["parts"].(float64); ok {
		for range int(n) {
			f, err := readAgentFrame(p.out)
			if err != nil {
				return r, err
			}
			r.frames = append(r.frames, f)
		}
	}
	return r, nil
}

func readAgentFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	b := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err := io.ReadFull(r, b)
	return b, err
}

// read returns the next frame, bounded by agentIOTimeout.
func (p *agentPipe) read() agentResp {
	p.t.Helper()
	select {
	case r, ok := <-p.frames:
		if !ok {
			p.t.Fatal("agent output ended")
		}
		return r
	case <-time.After(agentIOTimeout):
		p.t.Fatalf("no frame within %v", agentIOTimeout)
	}
	return agentResp{}
}

// write sends req (with "parts" set from parts) and its binary frames; an
// id is assigned when req has none.
func (p *agentPipe) write(req map[string]any, parts ...[]byte) uint64 {
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
func (p *agentPipe) call(req map[string]any, parts ...[]byte) agentResp {
	p.t.Helper()
	id := p.write(req, parts...)
	r := p.read()
	if r.ID != id {
		p.t.Fatalf("response to id %d, want %d", r.ID, id)
	}
	return r
}

// pushPull makes a context with a PULL bound to ep and a PUSH connected.
func (p *agentPipe) pushPull(ep string) (pull, push uint64) {
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

// wantOK stops the test on an error response: what follows depends on it.
func (p *agentPipe) wantOK(r agentResp) {
	p.t.Helper()
	if !r.OK {
		p.t.Fatalf("response %d: %+v, want ok", r.ID, r.Error)
	}
}

func (p *agentPipe) wantErr(r agentResp, kind string) {
	p.t.Helper()
	if r.OK || r.Error == nil || r.Error.Kind != kind {
		p.t.Errorf("response %d: ok %v error %+v, want error of kind %s", r.ID, r.OK, r.Error, kind)
	}
}

func (p *agentPipe) wantReady(r agentResp, want string) {
	p.t.Helper()
	p.wantOK(r)
	got, _ := json.Marshal(r.Result["ready"])
	if string(got) != want {
		p.t.Errorf("poll %d: ready %s, want %s", r.ID, got, want)
	}
}

// loopPair runs two measurement loops concurrently, bounded by ctx (b in a
// goroutine, a here), and returns both results and errors.
func loopPair(ctx context.Context, a, b func(context.Context, drivers.BulkSpec) (drivers.BulkResult, error), sa, sb drivers.BulkSpec) (ra, rb drivers.BulkResult, ea, eb error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		rb, eb = b(ctx, sb)
	}()
	ra, ea = a(ctx, sa)
	<-done
	return
}
