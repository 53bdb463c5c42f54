package zmtp

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Standard metadata property names (RFC 23/37 "Connection Metadata").
const (
	PropSocketType = "Socket-Type"
	PropIdentity   = "Identity"
	PropResource   = "Resource"
)

// Property is one metadata name/value pair.
type Property struct {
	Name  string
	Value []byte
}

// Metadata is an ordered list of properties as carried by READY. Order and
// duplicates are kept as seen, because a probe reports what was sent.
type Metadata []Property

// Get returns the value of the first property called name, compared
// without regard to case (RFC 23 §META-2).
func (m Metadata) Get(name string) ([]byte, bool) {
	for _, p := range m {
		if strings.EqualFold(p.Name, name) {
			return p.Value, true
		}
	}
	return nil, false
}

// String renders the metadata for logs: Name="value" pairs.
func (m Metadata) String() string {
	parts := make([]string, len(m))
	for i, p := range m {
		parts[i] = fmt.Sprintf("%s=%q", p.Name, p.Value)
	}
	return strings.Join(parts, " ")
}

// Encode returns the wire form of m, checking each name against the
// grammar (1–255 octets of A-Za-z0-9-_.+) and each value's length.
func (m Metadata) Encode() ([]byte, error) {
	var b []byte
	for _, p := range m {
		if err := checkPropertyName([]byte(p.Name)); err != nil {
			return nil, err
		}
		if int64(len(p.Value)) > math.MaxInt32 {
			return nil, fmt.Errorf("%w: value of %q is %d octets, max 2^31-1", ErrBadMetadata, p.Name, len(p.Value))
		}
		b = AppendProperty(b, p.Name, p.Value)
	}
	return b, nil
}

// AppendProperty appends one property to dst without validation: name
// length octet, name, 4-octet big-endian value length, value. A probe uses
// it directly to send properties the grammar forbids.
func AppendProperty(dst []byte, name string, value []byte) []byte {
	dst = append(dst, byte(len(name)))
	dst = append(dst, name...)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(value)))
	return append(dst, value...)
}

// ParseMetadata decodes READY metadata: properties until the data ends.
// Every length must fit inside the data exactly (RFC 23 §NULL-4). Values
// alias b.
func ParseMetadata(b []byte) (Metadata, error) {
	var m Metadata
	for off := 0; off < len(b); {
		n := int(b[off])
		off++
		if off+n > len(b) {
			return m, fmt.Errorf("%w: property name of %d octets at offset %d, %d left", ErrBadMetadata, n, off-1, len(b)-off)
		}
		name := b[off : off+n]
		if err := checkPropertyName(name); err != nil {
			return m, err
		}
		off += n
		if off+4 > len(b) {
			return m, fmt.Errorf("%w: property %q: value length truncated", ErrBadMetadata, name)
		}
		vlen := binary.BigEndian.Uint32(b[off:])
		off += 4
		if vlen > math.MaxInt32 {
			return m, fmt.Errorf("%w: property %q: value length %d above 2^31-1", ErrBadMetadata, name, vlen)
		}
		if uint64(off)+uint64(vlen) > uint64(len(b)) {
			return m, fmt.Errorf("%w: property %q: value of %d octets, %d left", ErrBadMetadata, name, vlen, len(b)-off)
		}
		m = append(m, Property{Name: string(name), Value: b[off : off+int(vlen)]})
		off += int(vlen)
	}
	return m, nil
}

func checkPropertyName(name []byte) error {
	if len(name) == 0 || len(name) > 255 {
		return fmt.Errorf("%w: property name of %d octets, want 1–255", ErrBadMetadata, len(name))
	}
	for i, c := range name {
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.' && c != '+' {
			return fmt.Errorf("%w: property name %q: octet %d (%02X) not in A-Za-z0-9-_.+", ErrBadMetadata, name, i, c)
		}
	}
	return nil
}
