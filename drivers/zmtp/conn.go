package zmtp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// DefaultTimeout bounds each read and write of a Conn made without an
// explicit timeout; it is the checklist's T_w.
const DefaultTimeout = 2 * time.Second

// Conn is the wire probe: one ZMTP connection driven byte by byte. Every
// read and write carries a deadline (the Conn's timeout, or the window
// given to ExpectClosed), so no call can hang; a deadline that passes
// surfaces as an error for which IsTimeout is true. Every chunk moved is
// recorded in Log.
//
// Like net.Conn, a Conn supports one reader and one writer at a time. A
// timeout inside a frame leaves the incoming stream out of step; after it
// only ExpectClosed and Close are meaningful.
type Conn struct {
	nc        net.Conn
	server    bool
	timeout   time.Duration
	log       *WireLog
	br        *bufio.Reader
	dec       *Decoder
	skipped   []Command
	peerGreet *Greeting
}

// NewConn wraps an established connection. server says which side of the
// NULL handshake the probe plays (true for the side that accepted); a
// non-positive timeout means DefaultTimeout.
func NewConn(nc net.Conn, server bool, timeout time.Duration) *Conn {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Conn{nc: nc, server: server, timeout: timeout, log: NewWireLog()}
	// Reads go through the logger first, so the log holds the chunks the
	// kernel delivered, not the small reads the decoder makes.
	c.br = bufio.NewReaderSize(logReader{c}, 64<<10)
	c.dec = NewDecoder(c.br, DefaultMaxFrame)
	return c
}

type logReader struct{ c *Conn }

func (r logReader) Read(p []byte) (int, error) {
	n, err := r.c.nc.Read(p)
	if n > 0 {
		r.c.log.add(In, p[:n], "")
	}
	if err != nil && !IsTimeout(err) {
		r.c.log.add(In, nil, closeReason(err))
	}
	return n, err
}

// closeReason names how the incoming stream ended.
func closeReason(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	}
	return err.Error()
}

// IsTimeout reports whether err is a deadline passing.
func IsTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// IsClosed reports whether err means the peer closed or reset the
// connection.
func IsClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Log returns the connection's byte log.
func (c *Conn) Log() *WireLog { return c.log }

// NetConn returns the underlying connection, for what the probe does not
// wrap (e.g. half-close). Bytes moved through it directly are not logged.
func (c *Conn) NetConn() net.Conn { return c.nc }

// IsServer reports whether the probe plays the server side (it accepted).
func (c *Conn) IsServer() bool { return c.server }

// Timeout returns the bound on each read and write.
func (c *Conn) Timeout() time.Duration { return c.timeout }

// SetTimeout changes the bound on each read and write.
func (c *Conn) SetTimeout(d time.Duration) { c.timeout = d }

// SetMaxFrame changes the largest frame the probe accepts
// (DefaultMaxFrame when n ≤ 0).
func (c *Conn) SetMaxFrame(n int64) {
	if n <= 0 {
		n = DefaultMaxFrame
	}
	c.dec.max = n
}

// PeerGreeting returns the greeting read by ReadGreeting, if any.
func (c *Conn) PeerGreeting() (Greeting, bool) {
	if c.peerGreet == nil {
		return Greeting{}, false
	}
	return *c.peerGreet, true
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Abort closes a TCP connection with a reset (SO_LINGER 0) rather than a
// FIN; on other connections it is Close.
func (c *Conn) Abort() error {
	if tc, ok := c.nc.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	return c.nc.Close()
}

// SendRaw writes b as one chunk, bounded by the timeout.
func (c *Conn) SendRaw(b []byte) error {
	if err := c.nc.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return fmt.Errorf("zmtp: send: %w", err)
	}
	n, err := c.nc.Write(b)
	if n > 0 {
		c.log.add(Out, b[:n], "")
	}
	if err != nil {
		return fmt.Errorf("zmtp: send %d octets (%d written): %w", len(b), n, err)
	}
	return nil
}

// ReadRaw reads exactly n octets, bounded by the timeout.
func (c *Conn) ReadRaw(n int) ([]byte, error) {
	c.armRead(c.timeout)
	b := make([]byte, n)
	m, err := io.ReadFull(c.br, b)
	if err != nil {
		return b[:m], fmt.Errorf("zmtp: read %d octets (%d read): %w", n, m, err)
	}
	return b, nil
}

func (c *Conn) armRead(d time.Duration) {
	// A failing SetReadDeadline means the conn is closed; the read that
	// follows reports that, so the error here adds nothing.
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
}

// SendGreeting sends the whole 64-octet greeting g.
func (c *Conn) SendGreeting(g Greeting) error {
	b, err := g.Encode()
	if err != nil {
		return err
	}
	return c.SendRaw(b)
}

// ReadGreeting reads and parses the peer's 64-octet greeting. Field-level
// checks are left to Greeting.Validate.
func (c *Conn) ReadGreeting() (Greeting, error) {
	c.armRead(c.timeout)
	g, err := c.dec.ReadGreeting()
	if err == nil {
		c.peerGreet = &g
	}
	return g, err
}

// Greet sends g and then reads the peer's greeting: the "whole greeting
// at once" strategy of RFC 23 "Version Negotiation".
func (c *Conn) Greet(g Greeting) (Greeting, error) {
	if err := c.SendGreeting(g); err != nil {
		return Greeting{}, err
	}
	return c.ReadGreeting()
}

// SendFrames writes frames exactly as given (see AppendFrame) in one chunk.
func (c *Conn) SendFrames(fs ...Frame) error {
	var b []byte
	for _, f := range fs {
		b = AppendFrame(b, f)
	}
	return c.SendRaw(b)
}

// SendMessage sends a message, one frame per part, MORE on all but the last.
func (c *Conn) SendMessage(parts ...[]byte) error { return c.SendFrames(MessageFrames(parts...)...) }

// SendCommand sends cmd as a command frame.
func (c *Conn) SendCommand(cmd Command) error { return c.SendFrames(cmd.Frame()) }

// ReadFrame reads the next frame, command or message, bounded by the
// timeout. See Decoder.ReadFrame for the errors.
func (c *Conn) ReadFrame() (Frame, error) {
	c.armRead(c.timeout)
	return c.dec.ReadFrame()
}

// ReadCommand reads the next frame and parses it as a command.
func (c *Conn) ReadCommand() (Command, error) {
	f, err := c.ReadFrame()
	if err != nil {
		return Command{}, err
	}
	return FrameCommand(f)
}

// ReadMessage reads the frames of one message, up to the frame without
// MORE. Commands that arrive before the message starts (a PING, a
// SUBSCRIBE) are kept for SkippedCommands; a command inside the message
// breaks the grammar and gives ErrCommandInMessage. The timeout applies to
// each frame.
func (c *Conn) ReadMessage() ([]Frame, error) {
	var msg []Frame
	for {
		f, err := c.ReadFrame()
		if err != nil {
			return msg, err
		}
		if f.IsCommand() {
			if len(msg) > 0 {
				return msg, fmt.Errorf("%w: after frame %d", ErrCommandInMessage, len(msg))
			}
			cmd, err := ParseCommand(f.Body)
			if err != nil {
				return msg, err
			}
			c.skipped = append(c.skipped, cmd)
			continue
		}
		msg = append(msg, f)
		if !f.More() {
			return msg, nil
		}
	}
}

// SkippedCommands returns and forgets the commands ReadMessage stepped over.
func (c *Conn) SkippedCommands() []Command {
	s := c.skipped
	c.skipped = nil
	return s
}

// Bodies returns the bodies of fs.
func Bodies(fs []Frame) [][]byte {
	b := make([][]byte, len(fs))
	for i, f := range fs {
		b[i] = f.Body
	}
	return b
}

// SocketMetadata returns the READY metadata of a socket: Socket-Type, and
// Identity when identity is not nil (an empty, non-nil identity is sent as
// an empty value).
func SocketMetadata(socketType string, identity []byte) Metadata {
	md := Metadata{{Name: PropSocketType, Value: []byte(socketType)}}
	if identity != nil {
		md = append(md, Property{Name: PropIdentity, Value: identity})
	}
	return md
}

// HandshakeNULL runs the NULL mechanism after the greetings: it sends a
// READY carrying md and reads the peer's READY, returning its metadata. As
// client the probe sends first and then waits; as server it waits for the
// client's READY and answers (RFC 37 §NULL-3). A peer ERROR gives a
// *PeerError.
func (c *Conn) HandshakeNULL(md Metadata) (Metadata, error) {
	ready, err := Ready(md)
	if err != nil {
		return nil, err
	}
	if !c.server {
		if err := c.SendCommand(ready); err != nil {
			return nil, err
		}
	}
	peer, err := c.readReady()
	if err != nil {
		return nil, err
	}
	if c.server {
		if err := c.SendCommand(ready); err != nil {
			return peer, err
		}
	}
	return peer, nil
}

func (c *Conn) readReady() (Metadata, error) {
	f, err := c.ReadFrame()
	if err != nil {
		return nil, fmt.Errorf("zmtp: waiting for READY: %w", err)
	}
	cmd, err := FrameCommand(f)
	if err != nil {
		return nil, fmt.Errorf("zmtp: waiting for READY: %w", err)
	}
	if cmd.Name == CmdError {
		reason, _ := ParseError(cmd)
		return nil, &PeerError{Reason: reason}
	}
	return ParseReady(cmd)
}

// Handshake greets with a NULL greeting for ZMTP 3.minor and completes the
// NULL handshake announcing socketType (and identity when not nil). It
// returns the peer's greeting and metadata; the greeting is returned even
// when a later step fails.
func (c *Conn) Handshake(minor byte, socketType string, identity []byte) (Greeting, Metadata, error) {
	g, err := c.Greet(NullGreeting(minor))
	if err != nil {
		return g, nil, err
	}
	md, err := c.HandshakeNULL(SocketMetadata(socketType, identity))
	return g, md, err
}

// ExpectClosed reads (and logs) whatever the peer sends until the peer
// closes or resets the connection, or until within has passed. closed
// reports whether the close was seen; err is set only for a failure that
// is neither a close nor the window ending.
func (c *Conn) ExpectClosed(within time.Duration) (closed bool, err error) {
	c.armRead(within)
	buf := make([]byte, 4096)
	for {
		_, err := c.br.Read(buf)
		switch {
		case err == nil:
			continue
		case IsClosed(err):
			return true, nil
		case IsTimeout(err):
			return false, nil
		default:
			return false, err
		}
	}
}
