package drivers

import (
	"bytes"
	"encoding/hex"
	"testing"
)

// TestZ85Vector checks the test vector of RFC 32: the bytes
// 86 4F D2 6F B5 59 F7 5B encode as "HelloWorld".
func TestZ85Vector(t *testing.T) {
	raw := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	got, err := Z85Encode(raw)
	if err != nil || got != "HelloWorld" {
		t.Fatalf("Z85Encode = %q, %v; want \"HelloWorld\"", got, err)
	}
	back, err := Z85Decode("HelloWorld")
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("Z85Decode(\"HelloWorld\") = % X, %v; want % X", back, err, raw)
	}
}

// curveTestKeys are the CURVE test key pairs of zmq_curve(7) (libzmq
// 4.3.4's man page, "TEST KEY VALUES"), hexadecimal and Z85.
var curveTestKeys = []struct{ name, pubHex, pubZ85, secHex, secZ85 string }{
	{"client",
		"BB88471D65E2659B30C55A5321CEBB5AAB2B70A398645C26DCA2B2FCB43FC518", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
		"7BB864B489AFA3671FBE69101F94B38972F24816DFB01B51656B3FEC8DFD0888", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"},
	{"server",
		"54FCBA24E93249969316FB617C872BB0C1D1FF14800427C594CBFACF1BC2D652", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
		"8E0BDD697628B91D8F245587EE95C5B04D48963F79259877B49CD9063AEAD3B7", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"},
}

// TestCurveTestKeys checks Z85 both ways on the zmq_curve(7) keys and that
// CurvePublic derives each published public key from its secret key.
func TestCurveTestKeys(t *testing.T) {
	for _, k := range curveTestKeys {
		for _, p := range [][2]string{{k.pubHex, k.pubZ85}, {k.secHex, k.secZ85}} {
			raw, _ := hex.DecodeString(p[0])
			if got, err := Z85Encode(raw); err != nil || got != p[1] {
				t.Errorf("%s: Z85Encode(%s) = %q, %v; want %q", k.name, p[0], got, err, p[1])
			}
			if got, err := Z85Decode(p[1]); err != nil || !bytes.Equal(got, raw) {
				t.Errorf("%s: Z85Decode(%q) = %X, %v; want %s", k.name, p[1], got, err, p[0])
			}
		}
		if got, err := CurvePublic(k.secZ85); err != nil || got != k.pubZ85 {
			t.Errorf("%s: CurvePublic = %q, %v; want %q", k.name, got, err, k.pubZ85)
		}
	}
}

// TestZ85Errors checks that malformed input is refused.
func TestZ85Errors(t *testing.T) {
	if _, err := Z85Encode([]byte{1, 2, 3}); err == nil {
		t.Error("Z85Encode of 3 bytes: no error")
	}
	for _, s := range []string{"Hell", "Hello World", "Hello\x00orld", "#####"} {
		if got, err := Z85Decode(s); err == nil {
			t.Errorf("Z85Decode(%q) = % X, want an error", s, got)
		}
	}
	if got, err := Z85Decode("%nSc0"); err != nil || !bytes.Equal(got, []byte{0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("Z85Decode(\"%%nSc0\") = % X, %v; want FF FF FF FF", got, err)
	}
}

// TestNewCurveKeypair checks that a fresh pair is 40 Z85 characters each,
// decodes to 32 bytes, that the public key is the secret's, and that two
// pairs differ.
func TestNewCurveKeypair(t *testing.T) {
	pub, sec, err := NewCurveKeypair()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{pub, sec} {
		raw, err := Z85Decode(k)
		if len(k) != 40 || err != nil || len(raw) != CurveKeyLen {
			t.Errorf("key %q: %d characters, decodes to %d bytes, %v; want 40 and 32", k, len(k), len(raw), err)
		}
	}
	if derived, err := CurvePublic(sec); err != nil || derived != pub {
		t.Errorf("CurvePublic(secret) = %q, %v; want %q", derived, err, pub)
	}
	pub2, sec2, err := NewCurveKeypair()
	if err != nil || pub2 == pub || sec2 == sec {
		t.Errorf("two keypairs: (%q,%q) and (%q,%q), %v; want different keys", pub, sec, pub2, sec2, err)
	}
}
