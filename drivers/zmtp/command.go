package zmtp

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Command names defined by RFC 23 (READY, ERROR) and RFC 37 (SUBSCRIBE,
// CANCEL, PING, PONG).
const (
	CmdReady     = "READY"
	CmdError     = "ERROR"
	CmdSubscribe = "SUBSCRIBE"
	CmdCancel    = "CANCEL"
	CmdPing      = "PING"
	CmdPong      = "PONG"
)

// MaxPingContext is the longest PING/PONG context RFC 37 allows.
const MaxPingContext = 16

// Command is a ZMTP command: a name and its data, carried in one frame
// with the COMMAND flag.
type Command struct {
	Name string
	Data []byte
}

// Body returns the command's frame body: name length, name, data. It does
// not validate the name, so that a probe can send ungrammatical commands.
func (c Command) Body() []byte {
	b := make([]byte, 0, 1+len(c.Name)+len(c.Data))
	b = append(b, byte(len(c.Name)))
	b = append(b, c.Name...)
	return append(b, c.Data...)
}

// Frame returns the command as a frame (COMMAND set, MORE clear).
func (c Command) Frame() Frame { return Frame{Flags: FlagCommand, Body: c.Body()} }

// ParseCommand decodes a command frame body: a 1-octet name length, a name
// of 1–255 letters, then data (RFC 23 §FRAME-5). Data aliases body.
func ParseCommand(body []byte) (Command, error) {
	if len(body) == 0 {
		return Command{}, fmt.Errorf("%w: empty body", ErrBadCommand)
	}
	n := int(body[0])
	if n == 0 {
		return Command{}, fmt.Errorf("%w: empty name", ErrBadCommand)
	}
	if len(body) < 1+n {
		return Command{}, fmt.Errorf("%w: name length %d, only %d octets follow", ErrBadCommand, n, len(body)-1)
	}
	name := body[1 : 1+n]
	for i, ch := range name {
		if !isAlpha(ch) {
			return Command{}, fmt.Errorf("%w: name %q: octet %d (%02X) is not a letter", ErrBadCommand, name, i, ch)
		}
	}
	return Command{Name: string(name), Data: body[1+n:]}, nil
}

// FrameCommand checks that f is a command frame and parses it.
func FrameCommand(f Frame) (Command, error) {
	if !f.IsCommand() {
		return Command{}, fmt.Errorf("%w: not a command frame (flags %02X)", ErrBadCommand, f.Flags)
	}
	return ParseCommand(f.Body)
}

func isAlpha(c byte) bool { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') }

// Ready returns a READY command carrying md (RFC 23 "The NULL Security
// Mechanism").
func Ready(md Metadata) (Command, error) {
	data, err := md.Encode()
	if err != nil {
		return Command{}, err
	}
	return Command{Name: CmdReady, Data: data}, nil
}

// ParseReady returns the metadata of a READY command.
func ParseReady(c Command) (Metadata, error) {
	if c.Name != CmdReady {
		return nil, fmt.Errorf("%w: %q, want READY", ErrUnexpectedCommand, c.Name)
	}
	return ParseMetadata(c.Data)
}

// ErrorCommand returns an ERROR command with the given reason (at most 255
// octets; the RFC asks for printable ASCII, which is not enforced here so
// that a probe may send otherwise).
func ErrorCommand(reason string) (Command, error) {
	if len(reason) > 255 {
		return Command{}, fmt.Errorf("%w: ERROR reason of %d octets, max 255", ErrBadCommand, len(reason))
	}
	data := append([]byte{byte(len(reason))}, reason...)
	return Command{Name: CmdError, Data: data}, nil
}

// ParseError returns the reason of an ERROR command. It checks the reason
// length against the data and that the reason is printable ASCII (VCHAR,
// and space, which real implementations use in reasons).
func ParseError(c Command) (string, error) {
	if c.Name != CmdError {
		return "", fmt.Errorf("%w: %q, want ERROR", ErrUnexpectedCommand, c.Name)
	}
	if len(c.Data) == 0 {
		return "", fmt.Errorf("%w: ERROR without reason length", ErrBadCommand)
	}
	n := int(c.Data[0])
	if len(c.Data) != 1+n {
		return "", fmt.Errorf("%w: ERROR reason length %d, %d octets follow", ErrBadCommand, n, len(c.Data)-1)
	}
	reason := c.Data[1:]
	for i, ch := range reason {
		if ch < 0x20 || ch > 0x7E {
			return string(reason), fmt.Errorf("%w: ERROR reason octet %d (%02X) not printable", ErrBadCommand, i, ch)
		}
	}
	return string(reason), nil
}

// Subscribe returns a ZMTP 3.1 SUBSCRIBE command for topic.
func Subscribe(topic []byte) Command { return Command{Name: CmdSubscribe, Data: topic} }

// Cancel returns a ZMTP 3.1 CANCEL command for topic.
func Cancel(topic []byte) Command { return Command{Name: CmdCancel, Data: topic} }

// Ping returns a PING command with a TTL in tenths of a second and a
// context of at most 16 octets (RFC 37 "Connection Heartbeating").
func Ping(ttl uint16, context []byte) (Command, error) {
	if len(context) > MaxPingContext {
		return Command{}, fmt.Errorf("%w: PING context of %d octets, max %d", ErrBadCommand, len(context), MaxPingContext)
	}
	data := binary.BigEndian.AppendUint16(nil, ttl)
	return Command{Name: CmdPing, Data: append(data, context...)}, nil
}

// ParsePing returns a PING command's TTL (tenths of a second) and context.
func ParsePing(c Command) (ttl uint16, context []byte, err error) {
	if c.Name != CmdPing {
		return 0, nil, fmt.Errorf("%w: %q, want PING", ErrUnexpectedCommand, c.Name)
	}
	if len(c.Data) < 2 {
		return 0, nil, fmt.Errorf("%w: PING with %d data octets, need the 2-octet TTL", ErrBadCommand, len(c.Data))
	}
	context = c.Data[2:]
	if len(context) > MaxPingContext {
		return 0, nil, fmt.Errorf("%w: PING context of %d octets, max %d", ErrBadCommand, len(context), MaxPingContext)
	}
	return binary.BigEndian.Uint16(c.Data), context, nil
}

// Pong returns a PONG command echoing context (at most 16 octets).
func Pong(context []byte) (Command, error) {
	if len(context) > MaxPingContext {
		return Command{}, fmt.Errorf("%w: PONG context of %d octets, max %d", ErrBadCommand, len(context), MaxPingContext)
	}
	return Command{Name: CmdPong, Data: context}, nil
}

// ParsePong returns a PONG command's context.
func ParsePong(c Command) ([]byte, error) {
	if c.Name != CmdPong {
		return nil, fmt.Errorf("%w: %q, want PONG", ErrUnexpectedCommand, c.Name)
	}
	if len(c.Data) > MaxPingContext {
		return nil, fmt.Errorf("%w: PONG context of %d octets, max %d", ErrBadCommand, len(c.Data), MaxPingContext)
	}
	return c.Data, nil
}

// SubscriptionMessage returns the ZMTP 3.0 form of a subscription (body 01
// + topic) or, with subscribe false, of a cancel (00 + topic): a one-frame
// message (RFC 23 §PS-1).
func SubscriptionMessage(subscribe bool, topic []byte) Frame {
	b := make([]byte, 0, 1+len(topic))
	if subscribe {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return Frame{Body: append(b, topic...)}
}

// Subscription is a subscription change seen on the wire, in either form.
type Subscription struct {
	Subscribe bool   // true for subscribe, false for cancel
	Topic     []byte // the prefix
	Command   bool   // true for the 3.1 command form, false for the 3.0 message form
}

// ParseSubscription recognises a subscription change in a frame: a
// SUBSCRIBE/CANCEL command (3.1) or a single-frame message starting with
// 01/00 (3.0). ok is false for any other frame. A multipart message is not
// a subscription, so the frame must not have MORE set.
func ParseSubscription(f Frame) (s Subscription, ok bool) {
	if f.IsCommand() {
		c, err := ParseCommand(f.Body)
		if err != nil {
			return s, false
		}
		switch c.Name {
		case CmdSubscribe:
			return Subscription{Subscribe: true, Topic: c.Data, Command: true}, true
		case CmdCancel:
			return Subscription{Subscribe: false, Topic: c.Data, Command: true}, true
		}
		return s, false
	}
	if f.More() || len(f.Body) == 0 || f.Body[0] > 1 {
		return s, false
	}
	return Subscription{Subscribe: f.Body[0] == 1, Topic: f.Body[1:]}, true
}

// Equal reports whether two commands have the same name and data.
func (c Command) Equal(o Command) bool { return c.Name == o.Name && bytes.Equal(c.Data, o.Data) }
