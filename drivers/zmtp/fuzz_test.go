package zmtp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// fuzzMaxFrame is small so that the fuzzer easily reaches the limit.
const fuzzMaxFrame = 4096

// FuzzDecode feeds arbitrary bytes to every decoder of the codec: the
// greeting, the frame stream, and the command and metadata parsers run on
// each frame. Beyond not panicking it checks that whatever decodes without
// error re-encodes to exactly the input octets, and that no frame body is
// larger (in length or capacity) than the decoder's limit.
func FuzzDecode(f *testing.F) {
	greet, _ := NullGreeting(1).Encode()
	ready, _ := Ready(SocketMetadata("DEALER", []byte("id")))
	ping, _ := Ping(5, []byte("ctx"))
	errCmd, _ := ErrorCommand("no")
	var stream []byte
	stream = append(stream, greet...)
	for _, fr := range []Frame{ready.Frame(), ping.Frame(), errCmd.Frame(), Subscribe([]byte("A")).Frame(),
		{Flags: FlagMore, Body: []byte("x")}, {Flags: FlagLong, Body: []byte("abc")}} {
		stream = AppendFrame(stream, fr)
	}
	f.Add(stream)
	f.Add(greet[:11])
	f.Add(AppendFrame(nil, Frame{Body: make([]byte, 300)}))
	f.Add(binary.BigEndian.AppendUint64([]byte{0x06}, 1<<62))
	f.Add([]byte{0xF8, 0})
	f.Add([]byte{0x04, 3, 1, 'A', 0})

	f.Fuzz(func(t *testing.T, in []byte) {
		// Greeting path: the first 64 octets, when they look like one.
		if g, err := ParseGreeting(in[:min(len(in), GreetingSize)]); err == nil {
			_ = g.Validate(1)
			out, err := g.Encode()
			if err != nil || !bytes.Equal(out, in[:GreetingSize]) {
				t.Fatalf("greeting does not round-trip: %x -> %+v -> %x (%v)", in[:GreetingSize], g, out, err)
			}
		}
		if _, err := NewDecoder(bytes.NewReader(in), fuzzMaxFrame).ReadGreeting(); err == nil && len(in) < GreetingSize {
			t.Fatalf("greeting decoded from %d octets", len(in))
		}

		// Frame path: the whole input as a frame stream.
		r := &countingReader{r: bytes.NewReader(in)}
		d := NewDecoder(r, fuzzMaxFrame)
		for off := 0; ; {
			fr, err := d.ReadFrame()
			if len(fr.Body) > fuzzMaxFrame || cap(fr.Body) > fuzzMaxFrame {
				t.Fatalf("frame body len %d cap %d beyond limit %d", len(fr.Body), cap(fr.Body), fuzzMaxFrame)
			}
			if err != nil && !errors.Is(err, ErrReservedFlags) && !errors.Is(err, ErrCommandMore) {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrFrameTooLarge) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				break
			}
			// A frame read in full re-encodes to the octets consumed.
			if out := AppendFrame(nil, fr); !bytes.Equal(out, in[off:r.n]) {
				t.Fatalf("frame at %d does not round-trip: in %x, out %x", off, in[off:r.n], out)
			}
			off = r.n
			checkCommand(t, fr.Body)
		}
		checkCommand(t, in)
	})
}

// checkCommand runs the command and metadata parsers on body and checks
// that what parses re-encodes exactly.
func checkCommand(t *testing.T, body []byte) {
	c, err := ParseCommand(body)
	if err != nil {
		return
	}
	if !bytes.Equal(c.Body(), body) {
		t.Fatalf("command does not round-trip: %x -> %x", body, c.Body())
	}
	if md, err := ParseMetadata(c.Data); err == nil {
		out, err := md.Encode()
		if err != nil || !bytes.Equal(out, c.Data) {
			t.Fatalf("metadata does not round-trip: %x -> %x (%v)", c.Data, out, err)
		}
		_, _ = md.Get(PropSocketType)
	}
	if reason, err := ParseError(c); err == nil {
		if e, _ := ErrorCommand(reason); !bytes.Equal(e.Data, c.Data) {
			t.Fatalf("ERROR does not round-trip: %x", c.Data)
		}
	}
	if ttl, ctx, err := ParsePing(c); err == nil {
		if p, _ := Ping(ttl, ctx); !bytes.Equal(p.Data, c.Data) {
			t.Fatalf("PING does not round-trip: %x", c.Data)
		}
	}
	_, _ = ParsePong(c)
	_, _ = ParseSubscription(Frame{Flags: FlagCommand, Body: body})
}

// countingReader counts the octets handed out, to find frame boundaries.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
