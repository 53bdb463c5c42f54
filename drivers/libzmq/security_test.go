//go:build cgo

package libzmq

import (
	"crypto/rand"
	"testing"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// TestCurveKeysAgreeWithLibzmq: a key pair from drivers.NewCurveKeypair
// is one libzmq agrees with (zmq_curve_public of our secret gives our
// public), and the other way round for a pair from zmq_curve_keypair.
func TestCurveKeysAgreeWithLibzmq(t *testing.T) {
	if !zmq.HasCurve() {
		t.Skip("the loaded libzmq was built without CURVE (zmq_has(\"curve\") is false)")
	}
	for range 5 {
		pub, sec, err := drivers.NewCurveKeypair()
		if err != nil {
			t.Fatal(err)
		}
		got, err := zmq.AuthCurvePublic(sec)
		if err != nil || got != pub {
			t.Fatalf("zmq_curve_public(%q) = %q, %v; want our public %q", sec, got, err, pub)
		}
		lpub, lsec, err := zmq.NewCurveKeypair()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := drivers.CurvePublic(lsec); err != nil || got != lpub {
			t.Fatalf("CurvePublic(libzmq secret %q) = %q, %v; want libzmq's public %q", lsec, got, err, lpub)
		}
	}
}

// TestZ85AgreesWithLibzmq compares drivers.Z85Encode/Z85Decode with
// libzmq's zmq_z85_encode/zmq_z85_decode on random data.
func TestZ85AgreesWithLibzmq(t *testing.T) {
	for n := 4; n <= 64; n += 4 {
		raw := make([]byte, n)
		_, _ = rand.Read(raw)
		ours, err := drivers.Z85Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if theirs := zmq.Z85encode(string(raw)); ours != theirs {
			t.Fatalf("Z85Encode(% X) = %q, libzmq says %q", raw, ours, theirs)
		}
		back, err := drivers.Z85Decode(ours)
		if err != nil || string(back) != zmq.Z85decode(ours) {
			t.Fatalf("Z85Decode(%q) = % X, %v; libzmq says % X", ours, back, err, zmq.Z85decode(ours))
		}
	}
}

// TestSecurityOptionValues: a CURVE key of a length libzmq does not take
// (neither 32 raw bytes nor 40 Z85 characters) is a bad value (KindOther),
// and both accepted forms of a key are taken.
func TestSecurityOptionValues(t *testing.T) {
	if !zmq.HasCurve() {
		t.Skip("the loaded libzmq was built without CURVE (zmq_has(\"curve\") is false)")
	}
	c := newTestContext(t, Name)
	s := mustSocket(t, c, drivers.DEALER)
	pub, sec, err := drivers.NewCurveKeypair()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := drivers.Z85Decode(pub)
	mustOption(t, s, drivers.CURVE_SERVERKEY, pub)
	mustOption(t, s, drivers.CURVE_SERVERKEY, raw)
	mustOption(t, s, drivers.CURVE_SECRETKEY, sec)
	wantKind(t, "39-character key", s.SetOption(drivers.CURVE_PUBLICKEY, pub[:39]), drivers.KindOther)
	wantKind(t, "31-byte key", s.SetOption(drivers.CURVE_PUBLICKEY, raw[:31]), drivers.KindOther)
	wantKind(t, "PLAIN_SERVER 2", s.SetOption(drivers.PLAIN_SERVER, 2), drivers.KindOther)
	mustOption(t, s, drivers.PLAIN_USERNAME, "")
}
