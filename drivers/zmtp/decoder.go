package zmtp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the frame size limit of a Decoder made with a
// non-positive limit: large enough for the harness's biggest workload
// messages, small enough that a hostile length cannot exhaust memory.
const DefaultMaxFrame = 64 << 20

// readChunk bounds the first allocation for a long body: the buffer grows
// only as octets actually arrive, so a peer that announces a large frame
// and sends nothing costs at most this much.
const readChunk = 64 << 10

// Decoder reads greetings and frames from a byte stream.
type Decoder struct {
	r   io.Reader
	max int64
	hdr [9]byte
}

// NewDecoder returns a decoder reading from r that refuses frames larger
// than maxFrame octets (DefaultMaxFrame when maxFrame ≤ 0).
func NewDecoder(r io.Reader, maxFrame int64) *Decoder {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Decoder{r: r, max: maxFrame}
}

// MaxFrame returns the decoder's frame size limit.
func (d *Decoder) MaxFrame() int64 { return d.max }

// ReadGreeting reads and parses a 64-octet greeting. The signature is
// checked after the first 10 octets arrive, so a non-ZMTP peer is detected
// without waiting for 64 octets that may never come.
func (d *Decoder) ReadGreeting() (Greeting, error) {
	var b [GreetingSize]byte
	if _, err := io.ReadFull(d.r, b[:10]); err != nil {
		return Greeting{}, fmt.Errorf("zmtp: greeting: %w", err)
	}
	if err := CheckSignature(b[:10]); err != nil {
		return Greeting{}, err
	}
	if _, err := io.ReadFull(d.r, b[10:]); err != nil {
		return Greeting{}, fmt.Errorf("zmtp: greeting: %w", truncated(err))
	}
	return ParseGreeting(b[:])
}

// ReadFrame reads one frame. At a clean frame boundary with no more input
// it returns io.EOF; input that stops inside a frame gives
// io.ErrUnexpectedEOF. A declared size above the limit gives
// ErrFrameTooLarge before anything is allocated; the stream is then out of
// step and must be abandoned.
//
// A frame with reserved flag bits set (ErrReservedFlags) or a command with
// MORE set (ErrCommandMore) is still read completely and returned together
// with the error, so that the caller can log it and the stream stays in
// step.
func (d *Decoder) ReadFrame() (Frame, error) {
	if _, err := io.ReadFull(d.r, d.hdr[:2]); err != nil {
		if err == io.ErrUnexpectedEOF {
			return Frame{}, fmt.Errorf("zmtp: frame header: %w", err)
		}
		return Frame{}, err // io.EOF at a boundary, or a transport error
	}
	f := Frame{Flags: d.hdr[0]}
	var size uint64
	if f.Flags&FlagLong != 0 {
		// The first size octet is already in hdr[1]; read the other seven.
		if _, err := io.ReadFull(d.r, d.hdr[2:9]); err != nil {
			return f, fmt.Errorf("zmtp: frame size: %w", truncated(err))
		}
		size = binary.BigEndian.Uint64(d.hdr[1:9])
	} else {
		size = uint64(d.hdr[1])
	}
	// Compare as unsigned so that sizes ≥ 2^63 (beyond the RFC's range)
	// are caught here rather than wrapping negative.
	if size > uint64(d.max) {
		return f, fmt.Errorf("%w: %d octets, limit %d", ErrFrameTooLarge, size, d.max)
	}
	body, err := readBody(d.r, int(size))
	if err != nil {
		return f, fmt.Errorf("zmtp: frame body (%d octets): %w", size, truncated(err))
	}
	f.Body = body
	switch {
	case f.Reserved() != 0:
		return f, fmt.Errorf("%w: flags %02X", ErrReservedFlags, f.Flags)
	case f.IsCommand() && f.More():
		return f, fmt.Errorf("%w: flags %02X", ErrCommandMore, f.Flags)
	}
	return f, nil
}

// readBody reads exactly n octets, growing the buffer as data arrives.
func readBody(r io.Reader, n int) ([]byte, error) {
	if n <= readChunk {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	b := make([]byte, 0, readChunk)
	for len(b) < n {
		if len(b) == cap(b) {
			c := min(2*cap(b), n)
			nb := make([]byte, len(b), c)
			copy(nb, b)
			b = nb
		}
		m, err := io.ReadFull(r, b[len(b):cap(b)])
		b = b[:len(b)+m]
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// truncated turns an io.EOF met inside a structure into io.ErrUnexpectedEOF.
func truncated(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
