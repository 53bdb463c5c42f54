package zmtp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// roundTripCommand encodes c as a frame, decodes the wire bytes and
// returns the command read back.
func roundTripCommand(t *testing.T, c Command) Command {
	t.Helper()
	wire := AppendFrame(nil, c.Frame())
	f, err := NewDecoder(bytes.NewReader(wire), 0).ReadFrame()
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	if !f.IsCommand() || f.More() {
		t.Fatalf("%s: flags %02X, want COMMAND without MORE", c.Name, f.Flags)
	}
	got, err := FrameCommand(f)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	if !got.Equal(c) {
		t.Fatalf("got: %+v, want: %+v", got, c)
	}
	return got
}

func TestCommandsRoundTrip(t *testing.T) {
	t.Parallel()
	md := Metadata{
		{Name: PropSocketType, Value: []byte("DEALER")},
		{Name: PropIdentity, Value: nil},
		{Name: "X-Test", Value: []byte("1")},
		{Name: "a.b_c+d-9", Value: bytes.Repeat([]byte{0}, 300)},
	}
	ready, err := Ready(md)
	if err != nil {
		t.Fatal(err)
	}
	gotMD, err := ParseReady(roundTripCommand(t, ready))
	if err != nil {
		t.Fatal(err)
	}
	if len(gotMD) != len(md) {
		t.Fatalf("got %d properties, want %d", len(gotMD), len(md))
	}
	for i := range md {
		if gotMD[i].Name != md[i].Name || !bytes.Equal(gotMD[i].Value, md[i].Value) {
			t.Errorf("property %d: got %s=%q, want %s=%q", i, gotMD[i].Name, gotMD[i].Value, md[i].Name, md[i].Value)
		}
	}
	if v, ok := gotMD.Get("socket-TYPE"); !ok || string(v) != "DEALER" {
		t.Errorf("case-insensitive Get: got %q %v", v, ok)
	}

	errCmd, err := ErrorCommand("denied by policy")
	if err != nil {
		t.Fatal(err)
	}
	if reason, err := ParseError(roundTripCommand(t, errCmd)); err != nil || reason != "denied by policy" {
		t.Errorf("ERROR: got %q %v", reason, err)
	}

	for _, topic := range [][]byte{nil, []byte("A"), bytes.Repeat([]byte("t"), 400)} {
		for _, c := range []Command{Subscribe(topic), Cancel(topic)} {
			got := roundTripCommand(t, c)
			s, ok := ParseSubscription(got.Frame())
			if !ok || s.Subscribe != (c.Name == CmdSubscribe) || !s.Command || !bytes.Equal(s.Topic, topic) {
				t.Errorf("%s %q: ParseSubscription = %+v %v", c.Name, topic, s, ok)
			}
		}
	}

	for _, ctx := range [][]byte{nil, []byte("LOL"), bytes.Repeat([]byte{7}, 16)} {
		ping, err := Ping(50, ctx)
		if err != nil {
			t.Fatal(err)
		}
		ttl, gotCtx, err := ParsePing(roundTripCommand(t, ping))
		if err != nil || ttl != 50 || !bytes.Equal(gotCtx, ctx) {
			t.Errorf("PING: got %d %q %v", ttl, gotCtx, err)
		}
		pong, err := Pong(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if gotCtx, err := ParsePong(roundTripCommand(t, pong)); err != nil || !bytes.Equal(gotCtx, ctx) {
			t.Errorf("PONG: got %q %v", gotCtx, err)
		}
	}
}

// Wire forms written out in behaviours.md rows 27 and 31.
func TestCommandGoldenBytes(t *testing.T) {
	t.Parallel()
	ping, _ := Ping(0, []byte("LOL"))
	pong, _ := Pong([]byte("LOL"))
	cases := []struct {
		c    Command
		want string
	}{
		{Subscribe([]byte("A")), "040b" + "09" + hex.EncodeToString([]byte("SUBSCRIBE")) + "41"},
		{Cancel([]byte("A")), "0408" + "06" + hex.EncodeToString([]byte("CANCEL")) + "41"},
		{ping, "040a" + "04" + hex.EncodeToString([]byte("PING")) + "0000" + hex.EncodeToString([]byte("LOL"))},
		{pong, "0408" + "04" + hex.EncodeToString([]byte("PONG")) + hex.EncodeToString([]byte("LOL"))},
	}
	for _, tc := range cases {
		if got := hex.EncodeToString(AppendFrame(nil, tc.c.Frame())); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.c.Name, got, tc.want)
		}
	}
	// ZMTP 3.0 subscription messages (row 26): 00 02 01 'A' and 00 02 00 'A'.
	if got := hex.EncodeToString(AppendFrame(nil, SubscriptionMessage(true, []byte("A")))); got != "00020141" {
		t.Errorf("3.0 subscribe: got %s", got)
	}
	if got := hex.EncodeToString(AppendFrame(nil, SubscriptionMessage(false, []byte("A")))); got != "00020041" {
		t.Errorf("3.0 cancel: got %s", got)
	}
	s, ok := ParseSubscription(SubscriptionMessage(false, []byte("xy")))
	if !ok || s.Subscribe || s.Command || string(s.Topic) != "xy" {
		t.Errorf("3.0 cancel parse: %+v %v", s, ok)
	}
	if _, ok := ParseSubscription(Frame{Body: []byte{2, 'A'}}); ok {
		t.Error("body 02 'A' taken for a subscription")
	}
	if _, ok := ParseSubscription(Frame{Flags: FlagMore, Body: []byte{1, 'A'}}); ok {
		t.Error("first frame of a multipart message taken for a subscription")
	}
}

func TestCommandErrors(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name string
		body []byte
		want error
	}{
		{"empty body", nil, ErrBadCommand},
		{"empty name", []byte{0, 'x'}, ErrBadCommand},
		{"name overruns body", []byte{9, 'P', 'I', 'N', 'G'}, ErrBadCommand},
		{"digit in name", []byte{3, 'A', '1', 'B'}, ErrBadCommand},
		{"NUL in name", []byte{3, 'A', 0, 'B'}, ErrBadCommand},
	}
	for _, tc := range bad {
		if _, err := ParseCommand(tc.body); !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := FrameCommand(Frame{Body: Subscribe(nil).Body()}); !errors.Is(err, ErrBadCommand) {
		t.Errorf("message frame as command: got %v", err)
	}
	if _, err := ErrorCommand(strings.Repeat("x", 256)); !errors.Is(err, ErrBadCommand) {
		t.Errorf("256-octet reason: got %v", err)
	}
	for _, data := range [][]byte{nil, {3, 'a'}, {1, 'a', 'b'}, {1, 0x07}} {
		if _, err := ParseError(Command{Name: CmdError, Data: data}); !errors.Is(err, ErrBadCommand) {
			t.Errorf("ERROR data %x: got %v, want ErrBadCommand", data, err)
		}
	}
	if _, err := Ping(0, make([]byte, 17)); !errors.Is(err, ErrBadCommand) {
		t.Errorf("17-octet ping context: got %v", err)
	}
	if _, _, err := ParsePing(Command{Name: CmdPing, Data: []byte{0}}); !errors.Is(err, ErrBadCommand) {
		t.Errorf("1-octet PING: got %v", err)
	}
	if _, _, err := ParsePing(Command{Name: CmdPing, Data: make([]byte, 19)}); !errors.Is(err, ErrBadCommand) {
		t.Errorf("PING with 17-octet context: got %v", err)
	}
	if _, err := ParsePong(Command{Name: CmdPong, Data: make([]byte, 17)}); !errors.Is(err, ErrBadCommand) {
		t.Errorf("PONG with 17-octet context: got %v", err)
	}
	if _, err := ParseReady(Command{Name: CmdPing}); !errors.Is(err, ErrUnexpectedCommand) {
		t.Errorf("ParseReady(PING): got %v", err)
	}
}

func TestMetadataErrors(t *testing.T) {
	t.Parallel()
	bad := map[string][]byte{
		"zero-length name":   AppendProperty(nil, "", []byte("v")),
		"bad name char":      AppendProperty(nil, "Socket Type", []byte("v")),
		"name overruns":      {20, 'A', 'B'},
		"value len cut":      {1, 'A', 0, 0},
		"value overruns":     AppendProperty(nil, "A", []byte("xyz"))[:8],
		"value len > 2^31-1": {1, 'A', 0x80, 0, 0, 0},
		"trailing garbage":   append(AppendProperty(nil, "A", nil), 3),
	}
	for name, b := range bad {
		if _, err := ParseMetadata(b); !errors.Is(err, ErrBadMetadata) {
			t.Errorf("%s (%x): got %v, want ErrBadMetadata", name, b, err)
		}
	}
	if _, err := (Metadata{{Name: "bad name"}}).Encode(); !errors.Is(err, ErrBadMetadata) {
		t.Errorf("Encode with bad name: got %v", err)
	}
	if _, err := (Metadata{{Name: strings.Repeat("N", 256)}}).Encode(); !errors.Is(err, ErrBadMetadata) {
		t.Errorf("Encode with 256-octet name: got %v", err)
	}
	md, err := ParseMetadata(nil)
	if err != nil || len(md) != 0 {
		t.Errorf("empty metadata: got %v %v", md, err)
	}
}
