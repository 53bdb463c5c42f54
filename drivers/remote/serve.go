package remote

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
)

// shutdownBound is how long Serve waits, once its input ends, for the
// contexts to close and the calls in flight to return. A driver whose
// Close hangs must not keep the agent alive: the process exits anyway.
const shutdownBound = 5 * time.Second

// Serve runs the agent side of the protocol for d: it writes the hello
// frame to out, then answers every request read from in, each in a
// goroutine of its own so that a blocked receive delays nothing else (the
// driver serialises what the implementation requires). It returns nil
// when in ends cleanly, after closing every context still open, and an
// error when in carries something that is not a valid frame.
func Serve(d drivers.Driver, in io.Reader, out io.Writer) error {
	s := &server{d: d, w: &frameWriter{w: out},
		ctxs: map[uint64]drivers.Context{}, socks: map[uint64]drivers.Socket{}, owner: map[uint64]uint64{}}
	caps := capsToWire(d.Capabilities())
	if _, ok := drivers.AsBulk(d); ok {
		caps.Features = append(caps.Features, FeatureBulk)
	}
	hello := Hello{Type: "hello", Protocol: ProtocolVersion, Driver: d.Name(), Version: d.Version(),
		Agent: "zharness-go", Capabilities: caps}
	if err := s.w.write(hello, nil); err != nil {
		return fmt.Errorf("remote agent: write hello: %w", err)
	}
	r := bufio.NewReaderSize(in, 64<<10)
	var readErr error
	for {
		body, err := readFrame(r)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = fmt.Errorf("remote agent: read request: %w", err)
			}
			break
		}
		var req Request
		if err := json.Unmarshal(body, &req); err != nil {
			readErr = fmt.Errorf("remote agent: malformed request %.200q: %w", body, err)
			break
		}
		if req.Frames, err = readParts(r, req.Parts); err != nil {
			readErr = fmt.Errorf("remote agent: request %d: %w", req.ID, err)
			break
		}
		s.wg.Go(func() { s.answer(&req) })
	}
	s.shutdown()
	return readErr
}

// server is one agent's state: the contexts and sockets it handed out.
type server struct {
	d  drivers.Driver
	w  *frameWriter
	wg sync.WaitGroup

	mu     sync.Mutex
	nextID uint64
	ctxs   map[uint64]drivers.Context
	socks  map[uint64]drivers.Socket // kept after close: calls then get KindClosed
	owner  map[uint64]uint64         // socket id → its context's id
	closed bool
}

// shutdown closes every context still open and waits for the calls in
// flight, each bounded by shutdownBound.
func (s *server) shutdown() {
	s.mu.Lock()
	s.closed = true
	ctxs := s.ctxs
	s.ctxs = map[uint64]drivers.Context{}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, c := range ctxs {
			_ = c.Close()
		}
		s.wg.Wait()
	}()
	t := time.NewTimer(shutdownBound)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// answer runs one request and writes its response. A write error means
// the client is gone; the read loop will see the end of input.
func (s *server) answer(req *Request) {
	res, err := s.run(req)
	resp := Response{ID: req.ID, OK: err == nil}
	var parts [][]byte
	if err != nil {
		resp.Error = errorBody(err)
	} else if res != nil {
		resp.Result = res
		res.Parts, parts = len(res.Frames), res.Frames
	}
	_ = s.w.write(resp, parts)
}

func (s *server) run(req *Request) (*Result, error) {
	switch req.Op {
	case OpNewContext:
		return s.newContext()
	case OpCloseContext:
		return nil, s.closeContext(req.Context)
	case OpNewSocket:
		return s.newSocket(req)
	case OpPoll:
		return s.poll(req)
	case OpBulk:
		return s.bulk(req)
	}
	sock, err := s.socket(req.Socket)
	if err != nil {
		return nil, err
	}
	switch req.Op {
	case OpBind:
		return nil, sock.Bind(req.Endpoint)
	case OpConnect:
		return nil, sock.Connect(req.Endpoint)
	case OpSend:
		ctx, cancel := deadlineCtx(req)
		defer cancel()
		return nil, sock.Send(ctx, drivers.Msg(req.Frames))
	case OpRecv:
		ctx, cancel := deadlineCtx(req)
		defer cancel()
		if len(req.Metadata) > 0 {
			mr, ok := sock.(drivers.MetadataReceiver)
			if !ok {
				return nil, drivers.Unsupported(OpRecv, "message metadata")
			}
			m, meta, err := mr.RecvWithMetadata(ctx, req.Metadata)
			if err != nil {
				return nil, err
			}
			return &Result{Frames: m, Metadata: meta}, nil
		}
		m, err := sock.Recv(ctx)
		if err != nil {
			return nil, err
		}
		return &Result{Frames: m}, nil
	case OpSetOption:
		v, err := decodeValue(req.Value)
		if err != nil {
			return nil, drivers.Errorf(drivers.KindOther, "setsockopt "+req.Name, err)
		}
		return nil, sock.SetOption(drivers.Option(req.Name), v)
	case OpClose:
		return nil, sock.Close()
	}
	// Unknown operations are "unsupported", so a newer client can probe an
	// older agent for an operation it lacks.
	return nil, drivers.Unsupported(req.Op, "operation "+req.Op)
}

// deadlineCtx bounds a send or receive by the request's deadline_ms; a
// request without one gets the driver's default.
func deadlineCtx(req *Request) (context.Context, context.CancelFunc) {
	if req.DeadlineMS == nil {
		return drivers.WithDefaultDeadline(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(*req.DeadlineMS)*time.Millisecond)
}

func (s *server) newContext() (*Result, error) {
	c, err := s.d.NewContext()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = c.Close()
		return nil, drivers.Errorf(drivers.KindClosed, OpNewContext, errors.New("agent is shutting down"))
	}
	s.nextID++
	s.ctxs[s.nextID] = c
	return &Result{Context: s.nextID}, nil
}

func (s *server) closeContext(id uint64) error {
	s.mu.Lock()
	c, ok := s.ctxs[id]
	delete(s.ctxs, id)
	s.mu.Unlock()
	if !ok {
		return drivers.Errorf(drivers.KindClosed, OpCloseContext, fmt.Errorf("no open context %d", id))
	}
	return c.Close()
}

func (s *server) newSocket(req *Request) (*Result, error) {
	s.mu.Lock()
	c, ok := s.ctxs[req.Context]
	s.mu.Unlock()
	if !ok {
		return nil, drivers.Errorf(drivers.KindClosed, OpNewSocket, fmt.Errorf("no open context %d", req.Context))
	}
	sock, err := c.NewSocket(drivers.SocketType(req.Type))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.socks[s.nextID] = sock
	s.owner[s.nextID] = req.Context
	return &Result{Socket: s.nextID}, nil
}

// bulk runs one measurement loop with the driver's own loops.
func (s *server) bulk(req *Request) (*Result, error) {
	b, ok := drivers.AsBulk(s.d)
	if !ok {
		return nil, drivers.Unsupported(OpBulk, "operation bulk")
	}
	run := map[string]func(context.Context, drivers.BulkSpec) (drivers.BulkResult, error){
		loopThroughputRecv: b.ThroughputRecv, loopThroughputSend: b.ThroughputSend,
		loopLatencyServe: b.LatencyServe, loopLatencyClient: b.LatencyClient,
	}[req.Loop]
	if run == nil {
		return nil, drivers.Errorf(drivers.KindOther, OpBulk, fmt.Errorf("unknown loop %q", req.Loop))
	}
	ctx, cancel := deadlineCtx(req)
	defer cancel()
	r, err := run(ctx, drivers.BulkSpec{Socket: drivers.SocketType(req.SocketType), Endpoint: req.Endpoint, Bind: req.Bind,
		Size: req.Size, Count: req.Count, Warmup: req.Warmup})
	if err != nil {
		return nil, err
	}
	return &Result{ElapsedNS: int64(r.Elapsed), Count: r.Count, SamplesNS: r.Samples}, nil
}

// poll polls sockets of one context with the driver's own poller.
func (s *server) poll(req *Request) (*Result, error) {
	if len(req.Items) == 0 {
		return nil, drivers.Errorf(drivers.KindOther, OpPoll, errors.New("no items"))
	}
	s.mu.Lock()
	cid := s.owner[req.Items[0].Socket]
	c := s.ctxs[cid]
	s.mu.Unlock()
	p, ok := c.(drivers.Poller)
	if !ok {
		return nil, drivers.Unsupported(OpPoll, "operation poll")
	}
	items := make([]drivers.PollItem, len(req.Items))
	for i, it := range req.Items {
		sock, err := s.socket(it.Socket)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		same := s.owner[it.Socket] == cid
		s.mu.Unlock()
		if !same {
			return nil, drivers.Errorf(drivers.KindOther, OpPoll, fmt.Errorf("socket %d is not in context %d", it.Socket, cid))
		}
		ev, err := eventsFromWire(it.Events)
		if err != nil {
			return nil, drivers.Errorf(drivers.KindOther, OpPoll, err)
		}
		items[i] = drivers.PollItem{Socket: sock, Events: ev}
	}
	ctx, cancel := deadlineCtx(req)
	defer cancel()
	ready, err := p.Poll(ctx, items)
	if err != nil {
		return nil, err
	}
	res := &Result{Ready: make([]Events, len(ready))}
	for i, e := range ready {
		res.Ready[i] = eventsToWire(e)
	}
	return res, nil
}

func (s *server) socket(id uint64) (drivers.Socket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sock, ok := s.socks[id]
	if !ok {
		return nil, drivers.Errorf(drivers.KindOther, "", fmt.Errorf("no socket %d was created by this agent", id))
	}
	return sock, nil
}

// PeerMain is the agent as a command: "zharness peer driver --driver NAME"
// (args are the flags after "peer driver"). It looks NAME up in the
// registry and serves it on stdin/stdout until stdin ends; diagnostics go
// to stderr, which the client keeps as evidence.
func PeerMain(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("peer driver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("driver", "", "the driver to serve, e.g. libzmq or faulty:panic=1/gozmq")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || fs.NArg() > 0 {
		return fmt.Errorf("peer driver: expected --driver NAME and nothing else, got %q", args)
	}
	d, err := drivers.Lookup(*name)
	if err != nil {
		return fmt.Errorf("peer driver: %w", err)
	}
	// Anything the implementation prints on the process's stdout would
	// corrupt the frames; keep the protocol on a private descriptor.
	stdout = reserveStdout(stdout)
	return Serve(d, stdin, stdout)
}
