package zmtp

import (
	"errors"
	"fmt"
)

// Greeting sizes and offsets (RFC 23/37 "Formal Grammar").
const (
	// GreetingSize is the fixed size of a ZMTP 3.x greeting.
	GreetingSize = 64
	// GreetingPartialSize is signature + major version: what a peer doing
	// version detection sends first (RFC 23 "Version Negotiation").
	GreetingPartialSize = 11
	// MechanismSize is the width of the null-padded mechanism field.
	MechanismSize = 20
	// FillerSize is the number of zero octets that end the greeting.
	FillerSize = 31
)

// Offsets of the greeting's fields.
const (
	offMajor     = 10
	offMinor     = 11
	offMechanism = 12
	offAsServer  = 32
	offFiller    = 33
)

// Greeting is a ZMTP 3.x greeting. The zero value of every field that the
// RFC fixes (padding, filler) is the canonical one; a probe sets them to
// something else only to send malformed input.
type Greeting struct {
	Padding   [8]byte // octets 1–8; carry no meaning (RFC 23 §GREET-2)
	Major     byte
	Minor     byte
	Mechanism string // without the trailing NUL padding, e.g. "NULL"
	AsServer  byte   // 0 or 1 in a valid greeting; a byte so probes can send 2
	Filler    [FillerSize]byte
}

// NullGreeting returns the greeting of a NULL-mechanism peer speaking
// ZMTP 3.minor; as-server is 0 as the NULL mechanism requires.
func NullGreeting(minor byte) Greeting {
	return Greeting{Major: 3, Minor: minor, Mechanism: "NULL"}
}

// Encode returns the 64 octets of g. It refuses only what cannot be
// represented: a mechanism longer than 20 octets.
func (g Greeting) Encode() ([]byte, error) {
	if len(g.Mechanism) > MechanismSize {
		return nil, fmt.Errorf("%w: mechanism %q longer than %d octets", ErrBadGreeting, g.Mechanism, MechanismSize)
	}
	b := make([]byte, GreetingSize)
	b[0] = 0xFF
	copy(b[1:9], g.Padding[:])
	b[9] = 0x7F
	b[offMajor] = g.Major
	b[offMinor] = g.Minor
	copy(b[offMechanism:offAsServer], g.Mechanism)
	b[offAsServer] = g.AsServer
	copy(b[offFiller:], g.Filler[:])
	return b, nil
}

// CheckSignature reports whether b starts with a valid signature: FF, any
// eight octets, 7F. It needs at least 10 octets.
func CheckSignature(b []byte) error {
	if len(b) < 10 {
		return fmt.Errorf("%w: %d octets, need 10", ErrBadSignature, len(b))
	}
	if b[0] != 0xFF || b[9] != 0x7F {
		return fmt.Errorf("%w: octet 0 = %02X, octet 9 = %02X, want FF and 7F", ErrBadSignature, b[0], b[9])
	}
	return nil
}

// ParseGreeting decodes a 64-octet greeting. It fails only when b is not a
// ZMTP 3.x-shaped greeting at all (wrong length or signature); field-level
// grammar is checked by Validate so that a probe can still report what a
// misbehaving peer sent.
func ParseGreeting(b []byte) (Greeting, error) {
	var g Greeting
	if len(b) != GreetingSize {
		return g, fmt.Errorf("%w: %d octets, want %d", ErrBadGreeting, len(b), GreetingSize)
	}
	if err := CheckSignature(b); err != nil {
		return g, err
	}
	copy(g.Padding[:], b[1:9])
	g.Major = b[offMajor]
	g.Minor = b[offMinor]
	mech := b[offMechanism:offAsServer]
	end := len(mech)
	for end > 0 && mech[end-1] == 0 {
		end--
	}
	g.Mechanism = string(mech[:end])
	g.AsServer = b[offAsServer]
	copy(g.Filler[:], b[offFiller:])
	return g, nil
}

// Validate checks g against the RFC 23/37 greeting grammar and returns
// every violation found, joined (each wraps ErrBadGreeting). minMinor is
// the lowest 3.x minor version the caller accepts (0 for RFC 23, 1 for RFC
// 37); any higher version is valid (RFC 23 §GREET-3).
func (g Greeting) Validate(minMinor byte) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadGreeting}, args...)...))
	}
	if g.Major < 3 || (g.Major == 3 && g.Minor < minMinor) {
		bad("version %d.%d, want ≥ 3.%d", g.Major, g.Minor, minMinor)
	}
	if g.Mechanism == "" {
		bad("empty mechanism")
	}
	for i := 0; i < len(g.Mechanism); i++ {
		if !isMechanismChar(g.Mechanism[i]) {
			bad("mechanism %q: octet %d (%02X) not in A-Z 0-9 - _ . +", g.Mechanism, i, g.Mechanism[i])
			break
		}
	}
	if g.AsServer > 1 {
		bad("as-server = %02X, want 00 or 01", g.AsServer)
	}
	for i, c := range g.Filler {
		if c != 0 {
			bad("filler octet %d = %02X, want 00", offFiller+i, c)
			break
		}
	}
	return errors.Join(errs...)
}

// isMechanismChar is the RFC's mechanism-char without %x0: trailing NULs
// are stripped by ParseGreeting, so a NUL left inside the name is an
// embedded one, which the grammar's "null padded string" excludes.
func isMechanismChar(c byte) bool {
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '+'
}
