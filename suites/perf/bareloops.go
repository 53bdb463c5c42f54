package perf

import (
	"context"
	"fmt"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/zharness/zharness/drivers"
)

// bareLoops runs the workloads directly against go-zeromq's API, with no
// driver in between: the reference the gozmq driver's figures are put
// beside (its ratio is the driver's overhead). The deadline is enforced the
// only way go-zeromq allows, by cancelling the socket's context.
type bareLoops struct {
	// hold, when set, keeps the socket open after a successful loop until
	// it is closed: go-zeromq drops what is still queued when a socket
	// closes.
	hold <-chan struct{}
}

var _ drivers.Bulk = bareLoops{}

func bareSocket(ctx context.Context, t drivers.SocketType) (zmq4.Socket, error) {
	// The dialer retries every 10 ms until the deadline, because the peer
	// process may connect before the other side has bound.
	opts := []zmq4.Option{zmq4.WithDialerRetry(10 * time.Millisecond), zmq4.WithDialerMaxRetries(-1)}
	switch t {
	case drivers.PUSH:
		return zmq4.NewPush(ctx, opts...), nil
	case drivers.PULL:
		return zmq4.NewPull(ctx, opts...), nil
	case drivers.REQ:
		return zmq4.NewReq(ctx, opts...), nil
	case drivers.REP:
		return zmq4.NewRep(ctx, opts...), nil
	case drivers.PAIR:
		return zmq4.NewPair(ctx, opts...), nil
	case drivers.PUB:
		return zmq4.NewPub(ctx, opts...), nil
	case drivers.SUB:
		return zmq4.NewSub(ctx, opts...), nil
	}
	return nil, drivers.Unsupported("bare", "socket type "+string(t))
}

// with opens one go-zeromq socket and runs f; ctx's deadline cancels
// the socket, which unblocks a Recv or Send in flight.
func (l bareLoops) with(ctx context.Context, s drivers.BulkSpec, f func(zmq4.Socket) (drivers.BulkResult, error)) (drivers.BulkResult, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	sock, err := bareSocket(ctx, s.Socket)
	if err != nil {
		return drivers.BulkResult{}, err
	}
	defer sock.Close()
	if s.Socket == drivers.SUB {
		if err := sock.SetOption(zmq4.OptionSubscribe, ""); err != nil {
			return drivers.BulkResult{}, err
		}
	}
	if s.Bind {
		err = sock.Listen(s.Endpoint)
	} else {
		err = sock.Dial(s.Endpoint)
	}
	if err != nil {
		return drivers.BulkResult{}, fmt.Errorf("bare: %w", err)
	}
	res, err := f(sock)
	if err == nil && l.hold != nil {
		select {
		case <-l.hold:
		case <-ctx.Done():
		}
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (deadline: %v)", err, ctx.Err())
	}
	return res, err
}

func bareRecv(sock zmq4.Socket, size int) error {
	m, err := sock.Recv()
	if err != nil {
		return err
	}
	if len(m.Frames) != 1 || len(m.Frames[0]) != size {
		return fmt.Errorf("bare: got %d frames, want 1 frame of %d bytes", len(m.Frames), size)
	}
	return nil
}

func (l bareLoops) ThroughputRecv(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return l.with(ctx, s, func(sock zmq4.Socket) (res drivers.BulkResult, err error) {
		for i := 0; i < max(s.Warmup, 1); i++ {
			if err := bareRecv(sock, s.Size); err != nil {
				return res, fmt.Errorf("bare: warm-up message %d: %w", i, err)
			}
		}
		start := time.Now()
		for ; res.Count < s.Count; res.Count++ {
			if err := bareRecv(sock, s.Size); err != nil {
				return res, fmt.Errorf("bare: message %d: %w", res.Count, err)
			}
		}
		res.Elapsed = time.Since(start)
		return res, nil
	})
}

func (l bareLoops) ThroughputSend(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return l.with(ctx, s, func(sock zmq4.Socket) (res drivers.BulkResult, err error) {
		m := zmq4.NewMsg(make([]byte, s.Size))
		start := time.Now()
		for i := 0; i < s.Total(); i++ {
			if err := sock.Send(m); err != nil {
				return res, fmt.Errorf("bare: send %d: %w", i, err)
			}
		}
		res.Elapsed, res.Count = time.Since(start), s.Count
		return res, nil
	})
}

func (l bareLoops) LatencyServe(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return l.with(ctx, s, func(sock zmq4.Socket) (res drivers.BulkResult, err error) {
		for i := 0; i < s.Total(); i++ {
			m, err := sock.Recv()
			if err != nil {
				return res, fmt.Errorf("bare: round trip %d: recv: %w", i, err)
			}
			if err := sock.Send(m); err != nil {
				return res, fmt.Errorf("bare: round trip %d: send: %w", i, err)
			}
		}
		res.Count = s.Count
		return res, nil
	})
}

func (l bareLoops) LatencyClient(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return l.with(ctx, s, func(sock zmq4.Socket) (res drivers.BulkResult, err error) {
		m := zmq4.NewMsg(make([]byte, s.Size))
		rt := func() error {
			if err := sock.Send(m); err != nil {
				return err
			}
			return bareRecv(sock, s.Size)
		}
		for i := 0; i < max(s.Warmup, 1); i++ {
			if err := rt(); err != nil {
				return res, fmt.Errorf("bare: warm-up round trip %d: %w", i, err)
			}
		}
		res.Samples = make([]int64, 0, s.Count)
		start := time.Now()
		t0 := start
		for ; res.Count < s.Count; res.Count++ {
			if err := rt(); err != nil {
				return res, fmt.Errorf("bare: round trip %d: %w", res.Count, err)
			}
			t1 := time.Now()
			res.Samples = append(res.Samples, int64(t1.Sub(t0)))
			t0 = t1
		}
		res.Elapsed = time.Since(start)
		return res, nil
	})
}
