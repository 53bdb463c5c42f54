package perf

import (
	"context"
	"fmt"
	"time"

	"github.com/zharness/zharness/drivers"
)

// socketLoops runs the bulk loops through a driver's generic Socket path:
// one Send or Recv call per message, as a user of the driver would. It is
// how drivers without drivers.Bulk are measured.
type socketLoops struct {
	drv drivers.Driver
	// shared, when set, is the context every socket is made from, so that
	// two loops in one process can meet over inproc.
	shared drivers.Context
	// hold, when set, keeps a sending or echoing end's socket open after
	// its loop until it is closed (or the deadline passes).
	hold <-chan struct{}
	// sec, when set, is the security mechanism every socket uses: the
	// binding end is the server, the connecting end the client.
	sec *secCreds
}

// wait blocks until hold is closed or ctx ends.
func (l *socketLoops) wait(ctx context.Context) {
	if l.hold == nil {
		return
	}
	select {
	case <-l.hold:
	case <-ctx.Done():
	}
}

var _ drivers.Bulk = (*socketLoops)(nil)

// open makes and binds or connects one socket; close releases it and, when
// the context is the loop's own, the context too.
func (l *socketLoops) open(s drivers.BulkSpec) (drivers.Socket, func(), error) {
	c := l.shared
	own := c == nil
	if own {
		var err error
		if c, err = l.drv.NewContext(); err != nil {
			return nil, nil, err
		}
	}
	var zap *zapHandler
	sock, err := c.NewSocket(s.Socket)
	if err == nil && s.Socket == drivers.SUB {
		err = sock.SetOption(drivers.SUBSCRIBE, []byte{})
	}
	if err == nil && l.sec != nil {
		zap, err = l.secure(c, sock, s.Bind)
	}
	if err == nil {
		if s.Bind {
			err = sock.Bind(s.Endpoint)
		} else {
			err = sock.Connect(s.Endpoint)
		}
	}
	closeAll := func() {
		if zap != nil {
			zap.stop()
		}
		if sock != nil {
			sock.Close()
		}
		if own {
			c.Close()
		}
	}
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return sock, closeAll, nil
}

// secure sets the mechanism's options on sock, and for a PLAIN server
// whose driver consults ZAP handlers starts one in c, which must exist
// before the first client arrives.
func (l *socketLoops) secure(c drivers.Context, sock drivers.Socket, server bool) (*zapHandler, error) {
	caps := l.drv.Capabilities()
	var zap *zapHandler
	if server && l.sec.Mech == SecPLAIN && caps.HasFeature(drivers.FeatureZAP) {
		var err error
		if zap, err = startZAP(c, l.sec); err != nil {
			return nil, err
		}
	}
	for _, o := range l.sec.options(server, caps) {
		if err := sock.SetOption(o.name, o.value); err != nil {
			if zap != nil {
				zap.stop()
			}
			return nil, fmt.Errorf("security %s: %w", l.sec.Mech, err)
		}
	}
	return zap, nil
}

func (l *socketLoops) ThroughputRecv(ctx context.Context, s drivers.BulkSpec) (res drivers.BulkResult, err error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	sock, done, err := l.open(s)
	if err != nil {
		return res, err
	}
	defer done()
	for i := 0; i < max(s.Warmup, 1); i++ {
		if err := recvSized(ctx, sock, s.Size); err != nil {
			return res, fmt.Errorf("warm-up message %d: %w", i, err)
		}
	}
	start := time.Now()
	for res.Count < s.Count {
		if err := recvSized(ctx, sock, s.Size); err != nil {
			return res, fmt.Errorf("message %d of %d: %w", res.Count, s.Count, err)
		}
		res.Count++
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

func (l *socketLoops) ThroughputSend(ctx context.Context, s drivers.BulkSpec) (res drivers.BulkResult, err error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	sock, done, err := l.open(s)
	if err != nil {
		return res, err
	}
	defer done()
	// One message value reused: drivers copy or hand the bytes over
	// before Send returns, and no frame is modified.
	m := drivers.Msg{make([]byte, s.Size)}
	start := time.Now()
	for i := 0; i < s.Total(); i++ {
		if err := sock.Send(ctx, m); err != nil {
			return res, fmt.Errorf("send %d of %d: %w", i, s.Total(), err)
		}
	}
	res.Elapsed, res.Count = time.Since(start), s.Count
	lingerUntilDelivered(ctx, sock)
	l.wait(ctx)
	return res, nil
}

func (l *socketLoops) LatencyServe(ctx context.Context, s drivers.BulkSpec) (res drivers.BulkResult, err error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	sock, done, err := l.open(s)
	if err != nil {
		return res, err
	}
	defer done()
	for i := 0; i < s.Total(); i++ {
		m, err := sock.Recv(ctx)
		if err != nil {
			return res, fmt.Errorf("round trip %d: recv: %w", i, err)
		}
		if err := sock.Send(ctx, m); err != nil {
			return res, fmt.Errorf("round trip %d: send: %w", i, err)
		}
	}
	res.Count = s.Count
	lingerUntilDelivered(ctx, sock)
	l.wait(ctx)
	return res, nil
}

func (l *socketLoops) LatencyClient(ctx context.Context, s drivers.BulkSpec) (res drivers.BulkResult, err error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	sock, done, err := l.open(s)
	if err != nil {
		return res, err
	}
	defer done()
	m := drivers.Msg{make([]byte, s.Size)}
	rt := func() error {
		if err := sock.Send(ctx, m); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		return recvSized(ctx, sock, s.Size)
	}
	for i := 0; i < max(s.Warmup, 1); i++ {
		if err := rt(); err != nil {
			return res, fmt.Errorf("warm-up round trip %d: %w", i, err)
		}
	}
	res.Samples = make([]int64, 0, s.Count)
	start := time.Now()
	t0 := start
	for res.Count < s.Count {
		if err := rt(); err != nil {
			return res, fmt.Errorf("round trip %d of %d: %w", res.Count, s.Count, err)
		}
		t1 := time.Now()
		res.Samples = append(res.Samples, int64(t1.Sub(t0)))
		t0 = t1
		res.Count++
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// recvSized receives one message and checks it is one frame of size bytes.
func recvSized(ctx context.Context, sock drivers.Socket, size int) error {
	m, err := sock.Recv(ctx)
	if err != nil {
		return err
	}
	if len(m) != 1 || len(m[0]) != size {
		return fmt.Errorf("got %d frames (first %d bytes), want 1 frame of %d bytes", len(m), frameLen(m), size)
	}
	return nil
}

func frameLen(m drivers.Msg) int {
	if len(m) == 0 {
		return -1
	}
	return len(m[0])
}

// lingerUntilDelivered gives the last messages a sender queued time to
// leave before its socket closes. The contract closes sockets with linger
// 0 (drivers.Context.Close), which would drop them; the receiver ends the
// run by receiving them all, so waiting a bounded time here is the only
// signal a sender has. LINGER is set where the driver supports it.
func lingerUntilDelivered(ctx context.Context, sock drivers.Socket) {
	left := time.Until(deadlineOf(ctx))
	if left <= 0 {
		return
	}
	_ = sock.SetOption(drivers.LINGER, int(min(left, 10*time.Second)/time.Millisecond))
}

func deadlineOf(ctx context.Context) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return time.Now().Add(drivers.DefaultTimeout)
	}
	return d
}
