package perf

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/zharness/zharness/drivers"
)

// rawLoops runs the workloads over a plain TCP or unix stream socket with
// 4-byte big-endian length-prefixed frames and no ZeroMQ at all: the
// speed-of-light line that shows what the kernel and Go's net package cost.
// Like a ZeroMQ sender it batches writes (through a bufio.Writer).
type rawLoops struct{}

var _ drivers.Bulk = rawLoops{}

const rawBuf = 64 << 10

// rawConn binds (listen + accept one) or connects to a tcp:// or ipc://
// endpoint. A connecting side retries until the listener is up, as a
// ZeroMQ connect would, because the peer process may start first.
func rawConn(ctx context.Context, s drivers.BulkSpec) (net.Conn, error) {
	network, addr, ok := strings.Cut(s.Endpoint, "://")
	switch {
	case !ok:
		return nil, fmt.Errorf("raw: bad endpoint %q", s.Endpoint)
	case network == "ipc":
		network = "unix"
	case network != "tcp":
		return nil, drivers.Unsupported("raw", "transport "+network)
	}
	dl := deadlineOf(ctx)
	if s.Bind {
		if network == "unix" {
			os.Remove(addr) // a stale file from an earlier run
		}
		l, err := net.Listen(network, addr)
		if err != nil {
			return nil, fmt.Errorf("raw: listen: %w", err)
		}
		defer l.Close()
		if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
			d.SetDeadline(dl)
		}
		c, err := l.Accept()
		if err != nil {
			return nil, fmt.Errorf("raw: accept: %w", err)
		}
		c.SetDeadline(dl)
		return c, nil
	}
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			c.SetDeadline(dl)
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("raw: dial: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// withRaw runs f on a connection bounded by ctx's deadline.
func withRaw(ctx context.Context, s drivers.BulkSpec, f func(net.Conn) (drivers.BulkResult, error)) (drivers.BulkResult, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	c, err := rawConn(ctx, s)
	if err != nil {
		return drivers.BulkResult{}, err
	}
	defer c.Close()
	// Closing the connection when ctx is cancelled unblocks a read early.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	return f(c)
}

func readFrame(r io.Reader, hdr, buf []byte, size int) error {
	if _, err := io.ReadFull(r, hdr); err != nil {
		return err
	}
	if n := binary.BigEndian.Uint32(hdr); int(n) != size {
		return fmt.Errorf("raw: frame of %d bytes, want %d", n, size)
	}
	_, err := io.ReadFull(r, buf[:size])
	return err
}

func (rawLoops) ThroughputRecv(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return withRaw(ctx, s, func(c net.Conn) (res drivers.BulkResult, err error) {
		r := bufio.NewReaderSize(c, rawBuf)
		hdr, buf := make([]byte, 4), make([]byte, s.Size)
		for i := 0; i < max(s.Warmup, 1); i++ {
			if err := readFrame(r, hdr, buf, s.Size); err != nil {
				return res, fmt.Errorf("raw: warm-up frame %d: %w", i, err)
			}
		}
		start := time.Now()
		for ; res.Count < s.Count; res.Count++ {
			if err := readFrame(r, hdr, buf, s.Size); err != nil {
				return res, fmt.Errorf("raw: frame %d: %w", res.Count, err)
			}
		}
		res.Elapsed = time.Since(start)
		return res, nil
	})
}

func (rawLoops) ThroughputSend(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return withRaw(ctx, s, func(c net.Conn) (res drivers.BulkResult, err error) {
		w := bufio.NewWriterSize(c, rawBuf)
		frame := make([]byte, 4+s.Size)
		binary.BigEndian.PutUint32(frame, uint32(s.Size))
		start := time.Now()
		for i := 0; i < s.Total(); i++ {
			if _, err := w.Write(frame); err != nil {
				return res, fmt.Errorf("raw: write: %w", err)
			}
		}
		if err := w.Flush(); err != nil {
			return res, fmt.Errorf("raw: flush: %w", err)
		}
		res.Elapsed, res.Count = time.Since(start), s.Count
		// Wait for the receiver to close first so that nothing is cut
		// off by a reset; its EOF is the signal that it has everything.
		// Any outcome of the read (EOF, reset, deadline) ends the wait.
		_, _ = c.Read(make([]byte, 1))
		return res, nil
	})
}

func (rawLoops) LatencyServe(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return withRaw(ctx, s, func(c net.Conn) (res drivers.BulkResult, err error) {
		frame := make([]byte, 4+s.Size)
		for i := 0; i < s.Total(); i++ {
			if err := readFrame(c, frame[:4], frame[4:], s.Size); err != nil {
				return res, fmt.Errorf("raw: round trip %d: %w", i, err)
			}
			if _, err := c.Write(frame); err != nil {
				return res, fmt.Errorf("raw: round trip %d: %w", i, err)
			}
		}
		res.Count = s.Count
		return res, nil
	})
}

func (rawLoops) LatencyClient(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return withRaw(ctx, s, func(c net.Conn) (res drivers.BulkResult, err error) {
		frame := make([]byte, 4+s.Size)
		in := make([]byte, 4+s.Size)
		binary.BigEndian.PutUint32(frame, uint32(s.Size))
		rt := func() error {
			if _, err := c.Write(frame); err != nil {
				return err
			}
			return readFrame(c, in[:4], in[4:], s.Size)
		}
		for i := 0; i < max(s.Warmup, 1); i++ {
			if err := rt(); err != nil {
				return res, fmt.Errorf("raw: warm-up round trip %d: %w", i, err)
			}
		}
		res.Samples = make([]int64, 0, s.Count)
		start := time.Now()
		t0 := start
		for ; res.Count < s.Count; res.Count++ {
			if err := rt(); err != nil {
				return res, fmt.Errorf("raw: round trip %d: %w", res.Count, err)
			}
			t1 := time.Now()
			res.Samples = append(res.Samples, int64(t1.Sub(t0)))
			t0 = t1
		}
		res.Elapsed = time.Since(start)
		return res, nil
	})
}
