package remote

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/zharness/zharness/drivers"
)

// ProtocolVersion is the version of PROTOCOL.md this package speaks. The
// client refuses an agent whose hello announces another version.
const ProtocolVersion = 1

// MaxFrame bounds one frame's JSON body. A 1 MiB message frame is about
// 1.4 MB once base64-encoded; 256 MiB leaves room for large tests while a
// garbage length prefix still fails fast instead of allocating gigabytes.
const MaxFrame = 256 << 20

// Operation names (the "op" of a request).
const (
	OpNewContext   = "new_context"
	OpCloseContext = "close_context"
	OpNewSocket    = "new_socket"
	OpBind         = "bind"
	OpConnect      = "connect"
	OpSend         = "send"
	OpRecv         = "recv"
	OpSetOption    = "set_option"
	OpClose        = "close"
	OpPoll         = "poll" // only for agents with the poller feature
	OpBulk         = "bulk" // only for agents with the bulk feature
)

// Hello is the first frame an agent writes, before reading any request.
type Hello struct {
	Type         string `json:"type"` // always "hello"
	Protocol     int    `json:"protocol"`
	Driver       string `json:"driver"`  // the agent's driver name, e.g. "libzmq"
	Version      string `json:"version"` // the implementation's version
	Agent        string `json:"agent,omitempty"`
	Capabilities Caps   `json:"capabilities"`
}

// Caps is drivers.Capabilities as the protocol spells it.
type Caps struct {
	Sockets    []string `json:"sockets"`
	Transports []string `json:"transports"`
	Options    []string `json:"options"`
	Features   []string `json:"features"`
}

// Request is one client→agent frame. Fields a given op does not use are
// omitted; ids, contexts and sockets are numbered from 1.
type Request struct {
	ID         uint64 `json:"id"`
	Op         string `json:"op"`
	Context    uint64 `json:"context,omitempty"`
	Socket     uint64 `json:"socket,omitempty"`
	Type       string `json:"type,omitempty"`
	Endpoint   string `json:"endpoint,omitempty"`
	Parts      int    `json:"parts,omitempty"` // binary frames that follow (send)
	DeadlineMS *int64 `json:"deadline_ms,omitempty"`
	Name       string `json:"name,omitempty"`
	Value      *Value `json:"value,omitempty"`
	Items      []Item `json:"items,omitempty"` // poll
	// Metadata asks a recv for these message properties (agents with the
	// metadata feature).
	Metadata []string `json:"metadata,omitempty"`

	// A bulk request's loop (bulk.go).
	Loop       string `json:"loop,omitempty"`
	SocketType string `json:"socket_type,omitempty"`
	Bind       bool   `json:"bind,omitempty"`
	Size       int    `json:"size,omitempty"`
	Count      int    `json:"count,omitempty"`
	Warmup     int    `json:"warmup,omitempty"`

	// Frames travel as binary frames after the JSON, not inside it:
	// base64 in JSON costs a second per MiB under the race detector.
	Frames [][]byte `json:"-"`
}

// Value is a tagged option value: exactly one field is set.
type Value struct {
	Int    *int64  `json:"int,omitempty"`
	Bytes  *[]byte `json:"bytes,omitempty"` // base64 in JSON
	String *string `json:"string,omitempty"`
	Bool   *bool   `json:"bool,omitempty"`
}

// Response is one agent→client frame answering the request with the same id.
type Response struct {
	ID     uint64     `json:"id"`
	OK     bool       `json:"ok"`
	Result *Result    `json:"result,omitempty"`
	Error  *ErrorBody `json:"error,omitempty"`
}

// Result carries what an operation returns.
type Result struct {
	Context uint64   `json:"context,omitempty"`
	Socket  uint64   `json:"socket,omitempty"`
	Parts   int      `json:"parts,omitempty"` // binary frames that follow (recv)
	Ready   []Events `json:"ready,omitempty"` // poll: per item, the ready events
	// Metadata: the asked-for properties the received message has.
	Metadata map[string]string `json:"metadata,omitempty"`
	// A bulk loop's measurement.
	ElapsedNS int64    `json:"elapsed_ns,omitempty"`
	Count     int      `json:"count,omitempty"`
	SamplesNS []int64  `json:"samples_ns,omitempty"`
	Frames    [][]byte `json:"-"`
}

// Item is one socket of a poll request and the events asked for.
type Item struct {
	Socket uint64 `json:"socket"`
	Events Events `json:"events"`
}

// Events is a poll event set as the protocol spells it: a list of "in"
// and "out" (an empty list, never null, for none).
type Events []string

func eventsToWire(e drivers.PollEvents) Events {
	out := Events{}
	if e&drivers.PollIn != 0 {
		out = append(out, "in")
	}
	if e&drivers.PollOut != 0 {
		out = append(out, "out")
	}
	return out
}

func eventsFromWire(w Events) (drivers.PollEvents, error) {
	var e drivers.PollEvents
	for _, s := range w {
		switch s {
		case "in":
			e |= drivers.PollIn
		case "out":
			e |= drivers.PollOut
		default:
			return 0, fmt.Errorf("unknown poll event %q (valid: in, out)", s)
		}
	}
	return e, nil
}

// ErrorBody is a classified error: Kind is a drivers.Kind name.
type ErrorBody struct {
	Kind    string `json:"kind"`
	Op      string `json:"op,omitempty"`
	Message string `json:"message"`
}

// capsToWire and capsFromWire convert capabilities.
func capsToWire(c drivers.Capabilities) Caps {
	return Caps{Sockets: strs(c.Sockets), Transports: strs(c.Transports), Options: strs(c.Options), Features: strs(c.Features)}
}

func capsFromWire(c Caps) drivers.Capabilities {
	return drivers.Capabilities{Sockets: typed[drivers.SocketType](c.Sockets), Transports: typed[drivers.Transport](c.Transports),
		Options: typed[drivers.Option](c.Options), Features: c.Features}
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func typed[T ~string](xs []string) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = T(x)
	}
	return out
}

// encodeValue tags an option value. Values of other Go types cannot
// cross the protocol; in process they would be refused as well.
func encodeValue(v any) (*Value, error) {
	switch v := v.(type) {
	case int:
		n := int64(v)
		return &Value{Int: &n}, nil
	case int32:
		n := int64(v)
		return &Value{Int: &n}, nil
	case int64:
		return &Value{Int: &v}, nil
	case []byte:
		if v == nil {
			v = []byte{}
		}
		return &Value{Bytes: &v}, nil
	case string:
		return &Value{String: &v}, nil
	case bool:
		return &Value{Bool: &v}, nil
	}
	return nil, fmt.Errorf("option value of type %T cannot be sent to an agent (int, []byte, string or bool)", v)
}

// decodeValue turns a tagged value back into the Go value the driver gets.
func decodeValue(v *Value) (any, error) {
	switch {
	case v == nil:
		return nil, errors.New("set_option without a value")
	case v.Int != nil:
		return int(*v.Int), nil
	case v.String != nil:
		return *v.String, nil
	case v.Bool != nil:
		return *v.Bool, nil
	case v.Bytes != nil:
		if *v.Bytes == nil {
			return []byte{}, nil // "" is an empty value, e.g. subscribe to all
		}
		return *v.Bytes, nil
	}
	return nil, errors.New("set_option value names no type (int, bytes, string or bool)")
}

// errorBody classifies err for the wire.
func errorBody(err error) *ErrorBody {
	var de *drivers.Error
	if errors.As(err, &de) {
		msg := ""
		if de.Err != nil {
			msg = de.Err.Error()
		}
		return &ErrorBody{Kind: de.Kind.String(), Op: de.Op, Message: msg}
	}
	return &ErrorBody{Kind: drivers.KindOther.String(), Message: err.Error()}
}

// errorFromBody rebuilds the driver error; op is the client's operation,
// used when the agent named none. An unknown kind becomes KindOther with
// the kind kept in the message.
func errorFromBody(op string, b *ErrorBody) error {
	if b == nil {
		return drivers.Errorf(drivers.KindOther, op, errors.New("agent answered ok=false without an error"))
	}
	k, err := drivers.ParseKind(b.Kind)
	msg := b.Message
	if err != nil {
		msg = fmt.Sprintf("unknown error kind %q from agent: %s", b.Kind, msg)
	}
	if b.Op != "" {
		op = b.Op
	}
	var cause error
	if msg != "" {
		cause = errors.New(msg)
	}
	return &drivers.Error{Kind: k, Op: op, Err: cause}
}

// frameWriter writes length-prefixed frames; safe for concurrent use.
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// write marshals v as one JSON frame followed by parts as binary frames,
// all under one lock so that no other message lands between them.
func (fw *frameWriter) write(v any, parts [][]byte) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	bufs := make(net.Buffers, 0, 2+2*len(parts))
	bufs = append(bufs, lengthPrefix(len(body)), body)
	for _, p := range parts {
		bufs = append(bufs, lengthPrefix(len(p)), p)
	}
	for _, b := range bufs {
		if len(b) > MaxFrame {
			return fmt.Errorf("frame of %d bytes exceeds the protocol's %d", len(b), MaxFrame)
		}
	}
	fw.mu.Lock()
	defer fw.mu.Unlock()
	_, err = bufs.WriteTo(fw.w)
	return err
}

func lengthPrefix(n int) []byte {
	var hdr [4]byte
	binary.BigEndian.PutUint32(hdr[:], uint32(n))
	return hdr[:]
}

// readFrame reads one frame's body. io.EOF means a clean end between frames.
func readFrame(r *bufio.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > MaxFrame {
		return nil, fmt.Errorf("frame length %d exceeds the protocol's %d", n, MaxFrame)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return body, nil
}

// readParts reads the n binary frames that follow a JSON frame.
func readParts(r *bufio.Reader, n int) ([][]byte, error) {
	if n < 0 || n > maxParts {
		return nil, fmt.Errorf("parts %d out of range 0..%d", n, maxParts)
	}
	parts := make([][]byte, n)
	for i := range parts {
		p, err := readFrame(r)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("binary frame %d of %d: %w", i+1, n, err)
		}
		parts[i] = p
	}
	return parts, nil
}

// maxParts bounds the frames of one message, so a corrupt count fails
// instead of allocating.
const maxParts = 1 << 16
