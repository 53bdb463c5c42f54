package drivers

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// SocketType names a ZeroMQ socket type in upper case, as in RFC 28–31.
type SocketType string

// The socket types the harness knows.
const (
	REQ    SocketType = "REQ"
	REP    SocketType = "REP"
	DEALER SocketType = "DEALER"
	ROUTER SocketType = "ROUTER"
	PUB    SocketType = "PUB"
	SUB    SocketType = "SUB"
	XPUB   SocketType = "XPUB"
	XSUB   SocketType = "XSUB"
	PUSH   SocketType = "PUSH"
	PULL   SocketType = "PULL"
	PAIR   SocketType = "PAIR"
)

// AllSocketTypes lists every socket type in a stable order.
var AllSocketTypes = []SocketType{REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB, XSUB, PUSH, PULL, PAIR}

// ParseSocketType accepts a socket type name in any case.
func ParseSocketType(s string) (SocketType, error) {
	t := SocketType(strings.ToUpper(s))
	if slices.Contains(AllSocketTypes, t) {
		return t, nil
	}
	return "", fmt.Errorf("unknown socket type %q (valid: %s)", s, joinStrings(AllSocketTypes))
}

// Transport names a ZeroMQ transport.
type Transport string

// The transports the harness knows.
const (
	TCP    Transport = "tcp"
	IPC    Transport = "ipc"
	Inproc Transport = "inproc"
)

// AllTransports lists every transport in a stable order.
var AllTransports = []Transport{TCP, IPC, Inproc}

// ParseTransport accepts a transport name in lower case.
func ParseTransport(s string) (Transport, error) {
	t := Transport(s)
	if slices.Contains(AllTransports, t) {
		return t, nil
	}
	return "", fmt.Errorf("unknown transport %q (valid: %s)", s, joinStrings(AllTransports))
}

// Option names a socket option by its libzmq name without the ZMQ_ prefix.
type Option string

// The options the harness knows. Values: integers are int (times in
// milliseconds, booleans 0/1), byte options ([]byte) accept string too.
const (
	SNDHWM           Option = "SNDHWM"
	RCVHWM           Option = "RCVHWM"
	SNDTIMEO         Option = "SNDTIMEO"
	RCVTIMEO         Option = "RCVTIMEO"
	LINGER           Option = "LINGER"
	SUBSCRIBE        Option = "SUBSCRIBE"
	UNSUBSCRIBE      Option = "UNSUBSCRIBE"
	ROUTING_ID       Option = "ROUTING_ID"
	ROUTER_MANDATORY Option = "ROUTER_MANDATORY"
	CONFLATE         Option = "CONFLATE"
	IMMEDIATE        Option = "IMMEDIATE"
	RECONNECT_IVL    Option = "RECONNECT_IVL"
	XPUB_VERBOSE     Option = "XPUB_VERBOSE"
	REQ_RELAXED      Option = "REQ_RELAXED"
	REQ_CORRELATE    Option = "REQ_CORRELATE"

	// Security options (zmq_setsockopt(3), RFC 23 §Security mechanisms).
	// In libzmq the last of them set decides the socket's mechanism and
	// role: PLAIN_SERVER or CURVE_SERVER 1 makes it a server whichever way
	// it binds or connects; PLAIN_USERNAME/PLAIN_PASSWORD or
	// CURVE_SERVERKEY make it a client. CURVE keys are 32 raw bytes or
	// their 40-character Z85 text (RFC 32, see Z85Encode).
	PLAIN_SERVER    Option = "PLAIN_SERVER"
	PLAIN_USERNAME  Option = "PLAIN_USERNAME"
	PLAIN_PASSWORD  Option = "PLAIN_PASSWORD"
	CURVE_SERVER    Option = "CURVE_SERVER"
	CURVE_PUBLICKEY Option = "CURVE_PUBLICKEY"
	CURVE_SECRETKEY Option = "CURVE_SECRETKEY"
	CURVE_SERVERKEY Option = "CURVE_SERVERKEY"
	// ZAP_DOMAIN is the RFC 27 domain a server passes to its ZAP handler.
	ZAP_DOMAIN Option = "ZAP_DOMAIN"
)

// OptionKind says how an option's value is typed.
type OptionKind int

// Option value kinds.
const (
	IntOption   OptionKind = iota // int; milliseconds for times
	BoolOption                    // int 0 or 1
	BytesOption                   // []byte (string accepted)
)

// KnownOptions maps every option the harness knows to its value kind.
var KnownOptions = map[Option]OptionKind{
	SNDHWM: IntOption, RCVHWM: IntOption, SNDTIMEO: IntOption, RCVTIMEO: IntOption,
	LINGER: IntOption, SUBSCRIBE: BytesOption, UNSUBSCRIBE: BytesOption,
	ROUTING_ID: BytesOption, ROUTER_MANDATORY: BoolOption, CONFLATE: BoolOption,
	IMMEDIATE: BoolOption, RECONNECT_IVL: IntOption, XPUB_VERBOSE: BoolOption,
	REQ_RELAXED: BoolOption, REQ_CORRELATE: BoolOption,
	PLAIN_SERVER: BoolOption, PLAIN_USERNAME: BytesOption, PLAIN_PASSWORD: BytesOption,
	CURVE_SERVER: BoolOption, CURVE_PUBLICKEY: BytesOption, CURVE_SECRETKEY: BytesOption,
	CURVE_SERVERKEY: BytesOption, ZAP_DOMAIN: BytesOption,
}

// OptionNames returns the known option names, sorted.
func OptionNames() []Option {
	var names []Option
	for o := range KnownOptions {
		names = append(names, o)
	}
	slices.Sort(names)
	return names
}

// Msg is a multipart message: one byte slice per frame. A single-frame
// message has length 1; an empty frame is a zero-length slice.
type Msg [][]byte

// Equal reports whether m and o have the same frames, byte for byte (an
// empty frame equals a nil one).
func (m Msg) Equal(o Msg) bool {
	if len(m) != len(o) {
		return false
	}
	for i := range m {
		if !bytes.Equal(m[i], o[i]) {
			return false
		}
	}
	return true
}

// MsgFromStrings builds a message with one frame per string.
func MsgFromStrings(frames ...string) Msg {
	m := make(Msg, len(frames))
	for i, f := range frames {
		m[i] = []byte(f)
	}
	return m
}

func joinStrings[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
