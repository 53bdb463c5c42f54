package remote

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/zharness/zharness/drivers"
)

// ProcessError is the evidence about an agent process that crashed, hung
// or broke the protocol: what happened, its exit status and its stderr
// (start and end). It is the Err of the *drivers.Error calls return.
type ProcessError struct {
	Driver     string // the agent's driver, e.g. "faulty:panic=1/libzmq"
	Pid        int
	What       string // e.g. "exited while calls were in flight"
	ExitStatus string // e.g. "exit status 3", "signal: killed"
	Stderr     string // head and tail, with the omitted middle marked
}

// Error renders the evidence on one line plus the stderr excerpt.
func (e *ProcessError) Error() string {
	s := fmt.Sprintf("agent %s (pid %d) %s; %s", e.Driver, e.Pid, e.What, e.ExitStatus)
	if e.Stderr != "" {
		s += "; stderr:\n" + e.Stderr
	} else {
		s += "; stderr empty"
	}
	return s
}

// Supervision bounds, variables so tests can shorten them.
var (
	// Margin is added to a send's or receive's deadline before the agent
	// is declared hung: the agent answers at its deadline, and the pipe
	// and a loaded machine need slack. 2 s proved too little: on a
	// 2-core machine at load 13 a healthy agent once answered a 150 ms
	// receive more than 2 s late, and a false "hung" is a wrong verdict.
	Margin = 5 * time.Second
	// ControlTimeout bounds calls without a deadline of their own
	// (new_socket, bind, connect, set_option, close, close_context).
	ControlTimeout = 10 * time.Second
	// StartTimeout bounds the start of an agent up to its hello.
	StartTimeout = 20 * time.Second
	// ExitTimeout is how long an agent may take to exit once its stdin is
	// closed, or once it closed its stdout, before it is killed.
	ExitTimeout = 5 * time.Second
)

// conn is one supervised agent process and the requests in flight to it.
type conn struct {
	driver string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *headTail
	w      *frameWriter
	hello  Hello

	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]*pending
	closing bool          // we asked the agent to exit
	kill    *ProcessError // why we killed it, if we did
	kind    drivers.Kind  // with kill: KindHung, or KindOther for protocol errors

	helloCh chan error    // the supervisor's verdict on the hello frame
	dead    chan struct{} // closed once the process has been reaped
	death   error         // nil after a clean exit we asked for; valid after dead
}

// pending is one request awaiting its response.
type pending struct {
	ch    chan *Response // capacity 1: the reader never blocks
	timer *time.Timer    // kills the agent when the call overruns
}

// startConn starts command("--driver", driver) and waits for its hello.
func startConn(driver string, command CommandFunc) (*conn, error) {
	cmd := command("--driver", driver)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	// Its own process group, so a kill takes whatever it started too.
	cmd.SysProcAttr.Setpgid = true
	c := &conn{driver: driver, cmd: cmd, stderr: &headTail{}, pending: map[uint64]*pending{},
		helloCh: make(chan error, 1), dead: make(chan struct{})}
	cmd.Stderr = c.stderr
	// A grandchild holding stderr open must not block the reaping forever.
	cmd.WaitDelay = time.Second
	var err error
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if c.stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("remote: start agent for %s: %w", driver, err)
	}
	c.w = &frameWriter{w: c.stdin}
	go c.supervise()
	t := time.AfterFunc(StartTimeout, func() {
		c.killFor(drivers.KindHung, fmt.Sprintf("sent no hello within %v; killed its process group", StartTimeout))
	})
	defer t.Stop()
	// On a bad hello the supervisor kills the agent; on none it has died
	// or been killed by the timer: either way the death error has the
	// evidence.
	if err := <-c.helloCh; err != nil {
		return nil, c.errFor("start")
	}
	return c, nil
}

// supervise reads frames until the agent's stdout ends, then reaps the
// process and records how it ended. It is the only reader of stdout.
func (c *conn) supervise() {
	r := bufio.NewReaderSize(c.stdout, 64<<10)
	readErr := c.readHello(r)
	c.helloCh <- readErr
	for readErr == nil {
		var body []byte
		if body, readErr = readFrame(r); readErr != nil {
			break
		}
		var resp Response
		if err := json.Unmarshal(body, &resp); err != nil {
			readErr = fmt.Errorf("malformed response %.200q: %w", body, err)
			break
		}
		if resp.Result != nil {
			if resp.Result.Frames, readErr = readParts(r, resp.Result.Parts); readErr != nil {
				readErr = fmt.Errorf("response %d: %w", resp.ID, readErr)
				break
			}
		}
		c.mu.Lock()
		p, ok := c.pending[resp.ID]
		delete(c.pending, resp.ID)
		c.mu.Unlock()
		if !ok {
			readErr = fmt.Errorf("response to id %d, which is not in flight", resp.ID)
			break
		}
		p.timer.Stop()
		p.ch <- &resp
	}
	// An end of stdout, even mid-frame, is the agent exiting: how it
	// exited decides between a crash and a clean close.
	if !errors.Is(readErr, io.EOF) && !errors.Is(readErr, io.ErrUnexpectedEOF) {
		c.killFor(drivers.KindOther, "broke the protocol ("+readErr.Error()+"); killed its process group")
	}
	// The agent closed its stdout: it is exiting, or must be made to.
	t := time.AfterFunc(ExitTimeout, func() {
		c.killFor(drivers.KindHung, fmt.Sprintf("closed its stdout but did not exit within %v; killed its process group", ExitTimeout))
	})
	waitErr := c.cmd.Wait()
	t.Stop()
	c.finish(waitErr)
}

// readHello reads and checks the agent's first frame.
func (c *conn) readHello(r *bufio.Reader) error {
	body, err := readFrame(r)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return io.EOF // the death error tells the story
		}
		return fmt.Errorf("read hello: %w", err)
	}
	if err := json.Unmarshal(body, &c.hello); err != nil || c.hello.Type != "hello" {
		return fmt.Errorf("first frame is not a hello: %.200q", body)
	}
	if c.hello.Protocol != ProtocolVersion {
		return fmt.Errorf("agent speaks protocol version %d, this client %d", c.hello.Protocol, ProtocolVersion)
	}
	return nil
}

// finish records how the process ended and releases every waiter.
func (c *conn) finish(waitErr error) {
	status := "exit status 0"
	if c.cmd.ProcessState != nil {
		status = c.cmd.ProcessState.String()
	} else if waitErr != nil {
		status = waitErr.Error()
	}
	c.mu.Lock()
	pe := &ProcessError{Driver: c.driver, Pid: c.cmd.Process.Pid, ExitStatus: status, Stderr: c.stderr.String()}
	switch {
	case c.kill != nil:
		pe.What = c.kill.What
		c.death = &drivers.Error{Kind: c.kind, Err: pe}
	case c.closing && c.cmd.ProcessState != nil && c.cmd.ProcessState.Success():
		c.death = nil
	default:
		pe.What = "died"
		if c.closing {
			pe.What = "died while closing"
		} else if n := len(c.pending); n > 0 {
			pe.What = fmt.Sprintf("died with %d calls in flight", n)
		}
		c.death = &drivers.Error{Kind: drivers.KindCrashed, Err: pe}
	}
	for id, p := range c.pending {
		p.timer.Stop()
		delete(c.pending, id)
	}
	c.mu.Unlock()
	close(c.dead)
}

// killFor kills the agent's process group, recording why, unless it has
// already been killed or reaped.
func (c *conn) killFor(kind drivers.Kind, what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.dead:
		return
	default:
	}
	if c.kill != nil {
		return
	}
	c.kill, c.kind = &ProcessError{What: what}, kind
	// The group id is the agent's pid (Setpgid); it cannot have been
	// reused, as the agent is not yet reaped.
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
}

// errFor is the error every call gets once the agent is gone: the death
// error with the caller's op, or KindClosed after a clean close.
func (c *conn) errFor(op string) error {
	<-c.dead
	if c.death == nil {
		return drivers.Errorf(drivers.KindClosed, op, errors.New("the context is closed"))
	}
	e := *c.death.(*drivers.Error)
	e.Op = op
	return &e
}

// send registers req, writes it and arms its supervision: the agent must
// answer by bound or be killed as hung. It returns the pending call, or
// the agent's death error.
func (c *conn) send(op string, req *Request, bound time.Duration) (*pending, error) {
	p := &pending{ch: make(chan *Response, 1)}
	c.mu.Lock()
	select {
	case <-c.dead:
		c.mu.Unlock()
		return nil, c.errFor(op)
	default:
	}
	c.nextID++
	req.ID = c.nextID
	c.pending[req.ID] = p
	p.timer = time.AfterFunc(bound, func() {
		c.killFor(drivers.KindHung, fmt.Sprintf("did not answer %s (request %d) within %v; killed its process group", req.Op, req.ID, bound))
	})
	c.mu.Unlock()
	req.Parts = len(req.Frames)
	if err := c.w.write(req, req.Frames); err != nil {
		// A broken pipe means the agent is gone; make sure, then report
		// how it ended.
		c.killFor(drivers.KindCrashed, "stopped reading its stdin ("+err.Error()+")")
		return nil, c.errFor(op)
	}
	return p, nil
}

// wait waits for p's response; cancel (may be nil) abandons the wait.
func (c *conn) wait(op string, p *pending, cancel <-chan struct{}) (*Response, error) {
	select {
	case r := <-p.ch:
		return r, nil
	case <-c.dead:
		// A response may have arrived just before the end.
		select {
		case r := <-p.ch:
			return r, nil
		default:
		}
		return nil, c.errFor(op)
	case <-cancel:
		return nil, errAbandoned
	}
}

// errAbandoned marks a wait given up by its caller; the response will
// still arrive on the pending channel.
var errAbandoned = errors.New("abandoned")

// call sends req and waits for its response, bounded by bound.
func (c *conn) call(op string, req *Request, bound time.Duration) (*Result, error) {
	p, err := c.send(op, req, bound)
	if err != nil {
		return nil, err
	}
	r, err := c.wait(op, p, nil)
	if err != nil {
		return nil, err
	}
	return resultOf(op, r)
}

// resultOf turns a response into its result or its error.
func resultOf(op string, r *Response) (*Result, error) {
	if !r.OK {
		return nil, errorFromBody(op, r.Error)
	}
	if r.Result == nil {
		return &Result{}, nil
	}
	return r.Result, nil
}

// shutdown asks the agent to exit by closing its stdin and waits until it
// has been reaped, killing it after ExitTimeout. It returns the death
// error, nil after a clean exit.
func (c *conn) shutdown() error {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	_ = c.stdin.Close()
	t := time.AfterFunc(ExitTimeout, func() {
		c.killFor(drivers.KindHung, fmt.Sprintf("did not exit within %v of its stdin closing; killed its process group", ExitTimeout))
	})
	defer t.Stop()
	<-c.dead
	return c.death
}

// headTail keeps the first and last few KiB written to it: a panic's
// message is at the start of stderr, the goroutine that crashed often at
// the end.
type headTail struct {
	mu    sync.Mutex
	head  []byte
	tail  []byte
	total int64
}

const headTailKeep = 2048

func (h *headTail) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.total += int64(len(p))
	rest := p
	if n := min(headTailKeep-len(h.head), len(rest)); n > 0 {
		h.head = append(h.head, rest[:n]...)
		rest = rest[n:]
	}
	h.tail = append(h.tail, rest...)
	if over := len(h.tail) - headTailKeep; over > 0 {
		h.tail = append(h.tail[:0], h.tail[over:]...)
	}
	return len(p), nil
}

// String returns the head, the tail and how much was left out between.
func (h *headTail) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	omitted := h.total - int64(len(h.head)) - int64(len(h.tail))
	if omitted <= 0 {
		return string(h.head) + string(h.tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes omitted ...]\n%s", h.head, omitted, h.tail)
}
