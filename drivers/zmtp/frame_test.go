package zmtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, 1, 255, 256, 70000} {
		for _, flags := range []byte{0, FlagMore, FlagCommand, FlagLong, FlagLong | FlagMore} {
			body := bytes.Repeat([]byte{byte(size)}, size)
			f := Frame{Flags: flags, Body: body}
			wire := AppendFrame(nil, f)
			if len(wire) != EncodedSize(f) {
				t.Fatalf("size %d flags %02X: %d octets, EncodedSize says %d", size, flags, len(wire), EncodedSize(f))
			}
			// Short form up to 255 octets unless LONG is asked for; long
			// form (8-octet size) from 256 (RFC 23 §FRAME-2).
			wantLong := size > 255 || flags&FlagLong != 0
			if gotLong := wire[0]&FlagLong != 0; gotLong != wantLong {
				t.Fatalf("size %d flags %02X: LONG=%v, want %v", size, flags, gotLong, wantLong)
			}
			if wantLong && binary.BigEndian.Uint64(wire[1:9]) != uint64(size) {
				t.Fatalf("size %d: long size field %x", size, wire[1:9])
			}
			if !wantLong && int(wire[1]) != size {
				t.Fatalf("size %d: short size field %d", size, wire[1])
			}
			d := NewDecoder(bytes.NewReader(wire), 0)
			got, err := d.ReadFrame()
			if err != nil {
				t.Fatalf("size %d flags %02X: %v", size, flags, err)
			}
			want := flags
			if wantLong {
				want |= FlagLong
			}
			if got.Flags != want || !bytes.Equal(got.Body, body) {
				t.Fatalf("size %d: got flags %02X len %d, want %02X len %d", size, got.Flags, len(got.Body), want, size)
			}
			if _, err := d.ReadFrame(); err != io.EOF {
				t.Fatalf("size %d: after last frame got %v, want io.EOF", size, err)
			}
		}
	}
}

func TestMessageFrames(t *testing.T) {
	t.Parallel()
	fs := MessageFrames([]byte("a"), nil, bytes.Repeat([]byte("c"), 300))
	var wire []byte
	for _, f := range fs {
		wire = AppendFrame(wire, f)
	}
	// 3-part send: flags 01, 01, then 02 (last, long) (RFC 23 §FRAME-4).
	if wire[0] != 0x01 || wire[3] != 0x01 || wire[5] != 0x02 {
		t.Fatalf("flags %02X %02X %02X, want 01 01 02", wire[0], wire[3], wire[5])
	}
	d := NewDecoder(bytes.NewReader(wire), 0)
	for i, want := range fs {
		got, err := d.ReadFrame()
		if err != nil || got.More() != want.More() || !bytes.Equal(got.Body, want.Body) {
			t.Fatalf("frame %d: got %v %v, want %v", i, got, err, want)
		}
	}
}

func TestDecoderErrors(t *testing.T) {
	t.Parallel()
	long := func(flags byte, size uint64) []byte {
		return binary.BigEndian.AppendUint64([]byte{flags | FlagLong}, size)
	}
	cases := []struct {
		name string
		in   []byte
		max  int64
		want error
		// keep: the frame is still returned complete with the error
		keep bool
	}{
		{"empty", nil, 0, io.EOF, false},
		{"flags only", []byte{0x00}, 0, io.ErrUnexpectedEOF, false},
		{"short body truncated", []byte{0x00, 5, 'a', 'b'}, 0, io.ErrUnexpectedEOF, false},
		{"long size truncated", []byte{0x02, 0, 0, 0}, 0, io.ErrUnexpectedEOF, false},
		{"long body truncated", append(long(0, 10), "abc"...), 0, io.ErrUnexpectedEOF, false},
		{"reserved bit 3", []byte{0x08, 1, 'x'}, 0, ErrReservedFlags, true},
		{"reserved bit 7", []byte{0x80, 0}, 0, ErrReservedFlags, true},
		{"command with MORE", []byte{0x05, 1, 'x'}, 0, ErrCommandMore, true},
		{"oversized short", []byte{0x00, 200}, 100, ErrFrameTooLarge, false},
		{"oversized long", long(0, 1<<40), 1 << 20, ErrFrameTooLarge, false},
		{"size beyond 2^63", long(0, 1<<63|5), 1 << 20, ErrFrameTooLarge, false},
		{"max uint64", long(FlagCommand, ^uint64(0)), 0, ErrFrameTooLarge, false},
	}
	for _, tc := range cases {
		f, err := NewDecoder(bytes.NewReader(tc.in), tc.max).ReadFrame()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		if tc.keep && len(f.Body) != len(tc.in)-2 {
			t.Errorf("%s: frame body of %d octets returned, want the whole frame", tc.name, len(f.Body))
		}
	}
	// The stream stays in step after a reserved-bits frame.
	d := NewDecoder(bytes.NewReader([]byte{0x10, 1, 'x', 0x00, 1, 'y'}), 0)
	if _, err := d.ReadFrame(); !errors.Is(err, ErrReservedFlags) {
		t.Fatalf("got %v, want ErrReservedFlags", err)
	}
	if f, err := d.ReadFrame(); err != nil || string(f.Body) != "y" {
		t.Fatalf("next frame: got %v %v, want body y", f, err)
	}
}

// A long frame announced but never sent must not be allocated in full:
// the body buffer grows only with the data that arrives.
func TestDecoderNoAllocationForAnnouncedSize(t *testing.T) {
	in := binary.BigEndian.AppendUint64([]byte{FlagLong}, 1<<30)
	in = append(in, "abc"...)
	var ms0, ms1 runtimeMem
	ms0.read()
	_, err := NewDecoder(bytes.NewReader(in), 1<<31).ReadFrame()
	ms1.read()
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
	}
	if grew := ms1.total - ms0.total; grew > 1<<20 {
		t.Fatalf("decoder allocated %d octets for a 3-octet body", grew)
	}
}

// runtimeMem samples the cumulative bytes allocated by the process.
type runtimeMem struct{ total uint64 }

func (m *runtimeMem) read() {
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	m.total = s.TotalAlloc
}
