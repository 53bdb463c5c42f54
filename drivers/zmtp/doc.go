// Package zmtp is the harness's own ZMTP 3.0/3.1 codec (RFC 23, RFC 37) and
// a byte-level wire probe built on it.
//
// The codec is independent of every implementation under test: it is
// written from the RFC grammar, so that the harness can judge an
// implementation by what it puts on the wire rather than by what its API
// shows. It is deliberately permissive where the probe needs to send
// malformed input (reserved flag bits, forced long sizes, odd greeting
// fields) and strict where it reads (every grammar violation is reported).
//
// The pieces:
//
//   - Greeting: the fixed 64-octet greeting, with Encode, ParseGreeting and
//     Validate.
//   - Frame, AppendFrame, Decoder: the frame layer with MORE, LONG and COMMAND
//     flags; the Decoder reads a stream with a maximum frame size so that a
//     hostile length never turns into an allocation.
//   - Command and its constructors and parsers: READY (with Metadata), ERROR,
//     SUBSCRIBE, CANCEL, PING, PONG; SubscriptionMessage for the ZMTP 3.0
//     form of subscriptions.
//   - Conn, Dial, Listen: the probe, a net.Conn (tcp or unix) with a deadline
//     on every read and write and a log of every chunk of bytes moved.
//   - RawPipe and the Raw* loops in raw.go: plain length-prefixed framing
//     over a socket, the "speed of light" reference line for performance.
package zmtp
