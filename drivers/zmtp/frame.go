package zmtp

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Frame flag bits (RFC 23/37 "Framing"). Bit 0 is the least significant.
const (
	FlagMore     byte = 0x01 // more frames of this message follow
	FlagLong     byte = 0x02 // the size field is 8 octets, big-endian
	FlagCommand  byte = 0x04 // the frame is a command
	FlagReserved byte = 0xF8 // bits 7–3, which MUST be zero
)

// MaxShortSize is the largest body a short (1-octet size) frame carries.
const MaxShortSize = 255

// Frame is one ZMTP frame: the flags octet as sent or received, and the body.
type Frame struct {
	Flags byte
	Body  []byte
}

// More reports whether the MORE flag is set.
func (f Frame) More() bool { return f.Flags&FlagMore != 0 }

// Long reports whether the LONG flag is set.
func (f Frame) Long() bool { return f.Flags&FlagLong != 0 }

// IsCommand reports whether the COMMAND flag is set.
func (f Frame) IsCommand() bool { return f.Flags&FlagCommand != 0 }

// Reserved returns the reserved bits 7–3 (zero in a valid frame).
func (f Frame) Reserved() byte { return f.Flags & FlagReserved }

// String describes the frame in one line for logs: flags and body size,
// and the body itself when it is short.
func (f Frame) String() string {
	var names []string
	if f.More() {
		names = append(names, "MORE")
	}
	if f.Long() {
		names = append(names, "LONG")
	}
	if f.IsCommand() {
		names = append(names, "COMMAND")
	}
	if f.Reserved() != 0 {
		names = append(names, fmt.Sprintf("RESERVED(%02X)", f.Reserved()))
	}
	s := fmt.Sprintf("flags=%02X[%s] size=%d", f.Flags, strings.Join(names, "|"), len(f.Body))
	if len(f.Body) <= 32 {
		s += fmt.Sprintf(" body=%q", f.Body)
	}
	return s
}

// MessageFrames turns the parts of a message into frames, with MORE set on
// every frame but the last (RFC 23 §FRAME-4).
func MessageFrames(parts ...[]byte) []Frame {
	fs := make([]Frame, len(parts))
	for i, p := range parts {
		fs[i].Body = p
		if i < len(parts)-1 {
			fs[i].Flags = FlagMore
		}
	}
	return fs
}

// AppendFrame appends the wire form of f to dst. The LONG flag is added
// when the body exceeds 255 octets; a LONG flag already present is kept,
// so that a probe can send a small body in the long form (RFC 23
// §FRAME-3). Every other flag bit, reserved ones included, is written as
// given: the codec does not stop a probe from sending malformed frames.
func AppendFrame(dst []byte, f Frame) []byte {
	flags := f.Flags
	if len(f.Body) > MaxShortSize {
		flags |= FlagLong
	}
	dst = append(dst, flags)
	if flags&FlagLong != 0 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(len(f.Body)))
	} else {
		dst = append(dst, byte(len(f.Body)))
	}
	return append(dst, f.Body...)
}

// EncodedSize is the number of octets AppendFrame writes for f.
func EncodedSize(f Frame) int {
	if len(f.Body) > MaxShortSize || f.Flags&FlagLong != 0 {
		return 1 + 8 + len(f.Body)
	}
	return 1 + 1 + len(f.Body)
}
