package drivers

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
)

// z85Alphabet is the Z85 character set of RFC 32 (ZeroMQ Base-85), in
// digit order: the character of value v is z85Alphabet[v].
const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// z85Values maps a byte back to its digit value, or 0xFF when the byte is
// not a Z85 character.
var z85Values = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xFF
	}
	for i := range len(z85Alphabet) {
		t[z85Alphabet[i]] = byte(i)
	}
	return t
}()

// Z85Encode encodes data as Z85 text (RFC 32): each 4 bytes, read as a
// big-endian 32-bit number, become 5 base-85 digits, most significant
// first. RFC 32 defines no padding, so len(data) must be a multiple of 4.
func Z85Encode(data []byte) (string, error) {
	if len(data)%4 != 0 {
		return "", fmt.Errorf("z85: input length %d is not a multiple of 4", len(data))
	}
	out := make([]byte, 0, len(data)/4*5)
	for i := 0; i < len(data); i += 4 {
		v := uint32(data[i])<<24 | uint32(data[i+1])<<16 | uint32(data[i+2])<<8 | uint32(data[i+3])
		var block [5]byte
		for j := 4; j >= 0; j-- {
			block[j] = z85Alphabet[v%85]
			v /= 85
		}
		out = append(out, block[:]...)
	}
	return string(out), nil
}

// Z85Decode decodes Z85 text (RFC 32). len(s) must be a multiple of 5 and
// every 5-character group must stand for a number below 2^32.
func Z85Decode(s string) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, fmt.Errorf("z85: input length %d is not a multiple of 5", len(s))
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := range 5 {
			d := z85Values[s[i+j]]
			if d == 0xFF {
				return nil, fmt.Errorf("z85: byte %q at offset %d is not a Z85 character", s[i+j], i+j)
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, fmt.Errorf("z85: group %q at offset %d exceeds 32 bits", s[i:i+5], i)
		}
		out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return out, nil
}

// CurveKeyLen is the length of a raw CURVE key (RFC 26: Curve25519 keys
// are 32 bytes); its Z85 text has CurveKeyLen/4*5 = 40 characters.
const CurveKeyLen = 32

// NewCurveKeypair returns a fresh CURVE long-term key pair as Z85 text,
// the form zmq_curve_keypair(3) returns. CURVE (RFC 26) uses Curve25519,
// so the secret key is a random X25519 scalar and the public key its
// multiple of the base point, which is what crypto/ecdh's X25519 computes.
func NewCurveKeypair() (public, secret string, err error) {
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("curve keypair: %w", err)
	}
	if public, err = Z85Encode(key.PublicKey().Bytes()); err != nil {
		return "", "", err
	}
	if secret, err = Z85Encode(key.Bytes()); err != nil {
		return "", "", err
	}
	return public, secret, nil
}

// CurvePublic derives the Z85 public key of a Z85 secret key, like
// zmq_curve_public(3).
func CurvePublic(secret string) (string, error) {
	raw, err := Z85Decode(secret)
	if err != nil {
		return "", err
	}
	if len(raw) != CurveKeyLen {
		return "", errors.New("curve public: a secret key is 40 Z85 characters")
	}
	key, err := ecdh.X25519().NewPrivateKey(raw)
	if err != nil {
		return "", fmt.Errorf("curve public: %w", err)
	}
	return Z85Encode(key.PublicKey().Bytes())
}
