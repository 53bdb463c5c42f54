package zmtp

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"
)

// RawPipe is the "raw reference" transport for the performance line: a
// plain stream socket carrying length-prefixed frames (a 4- or 8-octet
// big-endian length, then the body), with buffered writes and reads and no
// ZMTP at all. Its figures are the ceiling any ZeroMQ implementation on the
// same socket could reach. It does not log bytes: it measures.
type RawPipe struct {
	conn    net.Conn
	w       *bufio.Writer
	r       *bufio.Reader
	lenSize int
	hdr     [8]byte
}

// rawBufSize matches libzmq's default batch size order of magnitude, so
// the reference batches small messages the way a real stack would.
const rawBufSize = 64 << 10

// NewRawPipe wraps conn with lenSize-octet length prefixes (4 or 8).
func NewRawPipe(conn net.Conn, lenSize int) (*RawPipe, error) {
	if lenSize != 4 && lenSize != 8 {
		return nil, fmt.Errorf("zmtp: raw pipe: length prefix of %d octets, want 4 or 8", lenSize)
	}
	return &RawPipe{
		conn:    conn,
		w:       bufio.NewWriterSize(conn, rawBufSize),
		r:       bufio.NewReaderSize(conn, rawBufSize),
		lenSize: lenSize,
	}, nil
}

// SetDeadline bounds every read and write until t (one deadline for a
// whole loop: per-call deadlines would cost a syscall each and distort the
// reference).
func (p *RawPipe) SetDeadline(t time.Time) error { return p.conn.SetDeadline(t) }

// WriteFrame buffers one frame; Flush sends what is buffered.
func (p *RawPipe) WriteFrame(body []byte) error {
	if p.lenSize == 4 {
		if uint64(len(body)) > 0xFFFFFFFF {
			return fmt.Errorf("zmtp: raw pipe: %d octets do not fit a 4-octet length", len(body))
		}
		binary.BigEndian.PutUint32(p.hdr[:4], uint32(len(body)))
	} else {
		binary.BigEndian.PutUint64(p.hdr[:8], uint64(len(body)))
	}
	if _, err := p.w.Write(p.hdr[:p.lenSize]); err != nil {
		return err
	}
	_, err := p.w.Write(body)
	return err
}

// Flush writes out buffered frames.
func (p *RawPipe) Flush() error { return p.w.Flush() }

// ReadFrame reads one frame into buf (grown if too small) and returns the
// body, which aliases buf. Frames larger than max octets are refused.
func (p *RawPipe) ReadFrame(buf []byte, max int) ([]byte, error) {
	if _, err := io.ReadFull(p.r, p.hdr[:p.lenSize]); err != nil {
		return nil, err
	}
	var n uint64
	if p.lenSize == 4 {
		n = uint64(binary.BigEndian.Uint32(p.hdr[:4]))
	} else {
		n = binary.BigEndian.Uint64(p.hdr[:8])
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("%w: raw frame of %d octets, limit %d", ErrFrameTooLarge, n, max)
	}
	if uint64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(p.r, buf); err != nil {
		return nil, fmt.Errorf("zmtp: raw frame body: %w", truncated(err))
	}
	return buf, nil
}

// RawThroughputSender sends count frames of size octets as fast as the
// socket takes them and returns the time from the first write to the
// final flush. deadline bounds the whole loop.
func RawThroughputSender(p *RawPipe, size, count int, deadline time.Time) (time.Duration, error) {
	if err := p.SetDeadline(deadline); err != nil {
		return 0, err
	}
	body := make([]byte, size)
	start := time.Now()
	for i := 0; i < count; i++ {
		if err := p.WriteFrame(body); err != nil {
			return 0, fmt.Errorf("zmtp: raw throughput: frame %d: %w", i, err)
		}
	}
	if err := p.Flush(); err != nil {
		return 0, fmt.Errorf("zmtp: raw throughput: flush: %w", err)
	}
	return time.Since(start), nil
}

// RawThroughputReceiver reads count frames of size octets and returns the
// time from the first frame's arrival to the last one's, like libzmq's
// local_thr (the wait for the first frame is not counted). A frame of
// another size is an error.
func RawThroughputReceiver(p *RawPipe, size, count int, deadline time.Time) (time.Duration, error) {
	if err := p.SetDeadline(deadline); err != nil {
		return 0, err
	}
	buf := make([]byte, size)
	var start time.Time
	for i := 0; i < count; i++ {
		b, err := p.ReadFrame(buf, size)
		if err != nil {
			return 0, fmt.Errorf("zmtp: raw throughput: frame %d: %w", i, err)
		}
		if len(b) != size {
			return 0, fmt.Errorf("zmtp: raw throughput: frame %d has %d octets, want %d", i, len(b), size)
		}
		if i == 0 {
			start = time.Now()
		}
	}
	return time.Since(start), nil
}

// RawLatencyClient sends a frame of size octets and waits for the echo,
// roundtrips times, returning each round trip's duration.
func RawLatencyClient(p *RawPipe, size, roundtrips int, deadline time.Time) ([]time.Duration, error) {
	if err := p.SetDeadline(deadline); err != nil {
		return nil, err
	}
	body := make([]byte, size)
	buf := make([]byte, size)
	samples := make([]time.Duration, 0, roundtrips)
	for i := 0; i < roundtrips; i++ {
		t0 := time.Now()
		if err := p.WriteFrame(body); err != nil {
			return samples, fmt.Errorf("zmtp: raw latency: send %d: %w", i, err)
		}
		if err := p.Flush(); err != nil {
			return samples, fmt.Errorf("zmtp: raw latency: send %d: %w", i, err)
		}
		b, err := p.ReadFrame(buf, size)
		if err != nil {
			return samples, fmt.Errorf("zmtp: raw latency: reply %d: %w", i, err)
		}
		samples = append(samples, time.Since(t0))
		if len(b) != size {
			return samples, fmt.Errorf("zmtp: raw latency: reply %d has %d octets, want %d", i, len(b), size)
		}
	}
	return samples, nil
}

// RawLatencyServer echoes roundtrips frames of up to size octets.
func RawLatencyServer(p *RawPipe, size, roundtrips int, deadline time.Time) error {
	if err := p.SetDeadline(deadline); err != nil {
		return err
	}
	buf := make([]byte, size)
	for i := 0; i < roundtrips; i++ {
		b, err := p.ReadFrame(buf, size)
		if err != nil {
			return fmt.Errorf("zmtp: raw latency: request %d: %w", i, err)
		}
		if err := p.WriteFrame(b); err != nil {
			return fmt.Errorf("zmtp: raw latency: echo %d: %w", i, err)
		}
		if err := p.Flush(); err != nil {
			return fmt.Errorf("zmtp: raw latency: echo %d: %w", i, err)
		}
	}
	return nil
}
