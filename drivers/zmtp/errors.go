package zmtp

import (
	"errors"
	"strconv"
)

// Sentinel errors. Decoding errors wrap one of these (or io.EOF /
// io.ErrUnexpectedEOF for truncated input) so that callers can test them
// with errors.Is.
var (
	// ErrBadSignature: the first ten octets are not FF, 8 padding, 7F.
	ErrBadSignature = errors.New("zmtp: bad greeting signature")
	// ErrBadGreeting: a greeting field breaks the RFC grammar.
	ErrBadGreeting = errors.New("zmtp: malformed greeting")
	// ErrReservedFlags: a frame has one of the reserved flag bits 7–3 set.
	ErrReservedFlags = errors.New("zmtp: reserved frame flag bits set")
	// ErrCommandMore: a command frame has the MORE flag set.
	ErrCommandMore = errors.New("zmtp: command frame with MORE set")
	// ErrFrameTooLarge: a frame's declared size exceeds the decoder's limit.
	ErrFrameTooLarge = errors.New("zmtp: frame exceeds maximum size")
	// ErrBadCommand: a command body breaks the command grammar.
	ErrBadCommand = errors.New("zmtp: malformed command")
	// ErrBadMetadata: READY metadata breaks the property grammar.
	ErrBadMetadata = errors.New("zmtp: malformed metadata")
	// ErrCommandInMessage: a command frame arrived between the frames of a
	// multipart message.
	ErrCommandInMessage = errors.New("zmtp: command inside a multipart message")
	// ErrUnexpectedCommand: the peer sent a command other than the one the
	// protocol step expects.
	ErrUnexpectedCommand = errors.New("zmtp: unexpected command")
	// ErrPeerError: the peer sent an ERROR command; see PeerError.
	ErrPeerError = errors.New("zmtp: peer sent ERROR")
	// ErrBadEndpoint: an endpoint string is not tcp://host:port or ipc://path.
	ErrBadEndpoint = errors.New("zmtp: bad endpoint")
)

// PeerError is returned when the peer answers with an ERROR command. It
// matches ErrPeerError with errors.Is.
type PeerError struct {
	Reason string // the ERROR command's reason text
}

// Error implements error.
func (e *PeerError) Error() string { return "zmtp: peer sent ERROR " + strconv.Quote(e.Reason) }

// Is makes errors.Is(err, ErrPeerError) true.
func (e *PeerError) Is(target error) bool { return target == ErrPeerError }
