package zmtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

// goldenNull31 is the 64-octet greeting of a NULL, as-server=0, ZMTP 3.1
// peer, written out by hand from the RFC 37 grammar.
// goldenNull31 is the 64-octet greeting of a NULL, as-server=0, ZMTP 3.1
// peer, written out by hand from the RFC 37 grammar: signature, version
// 3.1, "NULL" padded to 20 octets, as-server 00, 31 octets of filler.
const goldenNull31 = "ff" + "0000000000000000" + "7f" +
	"03" + "01" +
	"4e554c4c" + "00000000000000000000000000000000" +
	"00" +
	"00000000000000000000000000000000000000000000000000000000000000"

func TestGreetingGolden(t *testing.T) {
	t.Parallel()
	want, _ := hex.DecodeString(goldenNull31)
	if len(want) != GreetingSize {
		t.Fatalf("golden has %d octets, want %d", len(want), GreetingSize)
	}
	got, err := NullGreeting(1).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got: %x\nwant: %x", got, want)
	}
	g, err := ParseGreeting(want)
	if err != nil {
		t.Fatal(err)
	}
	if g != NullGreeting(1) {
		t.Fatalf("got: %+v, want: %+v", g, NullGreeting(1))
	}
	if err := g.Validate(1); err != nil {
		t.Fatalf("golden greeting invalid: %v", err)
	}
}

func TestGreetingRoundTrip(t *testing.T) {
	t.Parallel()
	gs := []Greeting{
		NullGreeting(0),
		{Major: 3, Minor: 1, Mechanism: "PLAIN", AsServer: 1},
		{Major: 3, Minor: 9, Mechanism: "CURVE", Padding: [8]byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{Major: 4, Minor: 0, Mechanism: "ABCDEFGHIJKLMNOPQRST"}, // full 20 octets
	}
	for _, g := range gs {
		b, err := g.Encode()
		if err != nil {
			t.Fatalf("%+v: %v", g, err)
		}
		got, err := NewDecoder(bytes.NewReader(b), 0).ReadGreeting()
		if err != nil {
			t.Fatalf("%+v: %v", g, err)
		}
		if got != g {
			t.Errorf("got: %+v, want: %+v", got, g)
		}
	}
}

func TestGreetingErrors(t *testing.T) {
	t.Parallel()
	good, _ := NullGreeting(1).Encode()

	badSig := bytes.Clone(good)
	badSig[9] = 0x7E
	if _, err := ParseGreeting(badSig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("bad signature: got %v, want ErrBadSignature", err)
	}
	if _, err := NewDecoder(bytes.NewReader(badSig), 0).ReadGreeting(); !errors.Is(err, ErrBadSignature) {
		t.Errorf("decoder, bad signature: got %v, want ErrBadSignature", err)
	}
	// The decoder rejects a bad signature after 10 octets, without waiting
	// for the other 54.
	if _, err := NewDecoder(bytes.NewReader([]byte("GET / HTTP")), 0).ReadGreeting(); !errors.Is(err, ErrBadSignature) {
		t.Errorf("decoder, HTTP: got %v, want ErrBadSignature", err)
	}
	for _, n := range []int{0, 5, 10, 11, 63} {
		_, err := NewDecoder(bytes.NewReader(good[:n]), 0).ReadGreeting()
		want := io.ErrUnexpectedEOF
		if n == 0 {
			want = io.EOF
		}
		if !errors.Is(err, want) {
			t.Errorf("truncated to %d: got %v, want %v", n, err, want)
		}
	}
	if _, err := ParseGreeting(good[:63]); !errors.Is(err, ErrBadGreeting) {
		t.Errorf("short slice: got %v, want ErrBadGreeting", err)
	}
	if _, err := (Greeting{Mechanism: strings.Repeat("X", 21)}).Encode(); !errors.Is(err, ErrBadGreeting) {
		t.Errorf("long mechanism: got %v, want ErrBadGreeting", err)
	}
}

func TestGreetingValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		g       Greeting
		min     byte
		wantErr string // substring; empty = valid
	}{
		{"3.0 under RFC 23", NullGreeting(0), 0, ""},
		{"3.0 under RFC 37", NullGreeting(0), 1, "version 3.0"},
		{"higher version", Greeting{Major: 4, Mechanism: "NULL"}, 1, ""},
		{"version 2", Greeting{Major: 2, Minor: 1, Mechanism: "NULL"}, 0, "version 2.1"},
		{"padding ignored", Greeting{Major: 3, Minor: 1, Mechanism: "NULL", Padding: [8]byte{9, 9}}, 1, ""},
		{"lower-case mechanism", Greeting{Major: 3, Minor: 1, Mechanism: "null"}, 1, "not in A-Z"},
		{"embedded NUL", Greeting{Major: 3, Minor: 1, Mechanism: "NU\x00LL"}, 1, "not in A-Z"},
		{"empty mechanism", Greeting{Major: 3, Minor: 1}, 1, "empty mechanism"},
		{"as-server 2", Greeting{Major: 3, Minor: 1, Mechanism: "NULL", AsServer: 2}, 1, "as-server = 02"},
		{"filler", Greeting{Major: 3, Minor: 1, Mechanism: "NULL", Filler: [31]byte{30: 1}}, 1, "filler octet 63"},
	}
	for _, tc := range cases {
		err := tc.g.Validate(tc.min)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: got %v, want valid", tc.name, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: got %v, want error containing %q", tc.name, err, tc.wantErr)
		case err != nil && !errors.Is(err, ErrBadGreeting):
			t.Errorf("%s: %v does not match ErrBadGreeting", tc.name, err)
		}
	}
	// Every violation is reported, not only the first.
	err := Greeting{Major: 1, Mechanism: "x", AsServer: 5}.Validate(0)
	if n := strings.Count(err.Error(), "\n") + 1; n != 3 {
		t.Errorf("got %d violations (%v), want 3", n, err)
	}
}
