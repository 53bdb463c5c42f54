//go:build cgo

package libzmq

import (
	"slices"
	"testing"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// validValue is an acceptable value for each known option.
var validValue = map[drivers.Option]any{
	drivers.SNDHWM: 10, drivers.RCVHWM: 10, drivers.SNDTIMEO: 100, drivers.RCVTIMEO: 100,
	drivers.LINGER: 0, drivers.SUBSCRIBE: "a", drivers.UNSUBSCRIBE: "a",
	drivers.ROUTING_ID: []byte("id"), drivers.ROUTER_MANDATORY: 1, drivers.CONFLATE: 1,
	drivers.IMMEDIATE: 1, drivers.RECONNECT_IVL: 50, drivers.XPUB_VERBOSE: 1,
	drivers.REQ_RELAXED: 1, drivers.REQ_CORRELATE: 1,
	drivers.PLAIN_SERVER: 1, drivers.PLAIN_USERNAME: "admin", drivers.PLAIN_PASSWORD: []byte("secret"),
	// The zmq_curve(7) test keys: Z85 text and 32 raw bytes are both valid.
	drivers.CURVE_SERVER: 1, drivers.CURVE_PUBLICKEY: "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
	drivers.CURVE_SECRETKEY: "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs", drivers.CURVE_SERVERKEY: mustZ85("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"),
	drivers.ZAP_DOMAIN: "global",
}

// TestOptionTypeTable checks, against the loaded libzmq, that every known
// option is accepted by exactly the socket types typeSpecific says (all
// types when it is not listed), and that a refusal is KindNotAllowed.
func TestOptionTypeTable(t *testing.T) {
	c := newTestContext(t, Name)
	for _, typ := range drivers.AllSocketTypes {
		s := mustSocket(t, c, typ)
		for _, o := range drivers.OptionNames() {
			v, ok := validValue[o]
			if !ok {
				t.Fatalf("no test value for %s", o)
			}
			types, specific := typeSpecific[o]
			want := !specific || slices.Contains(types, typ)
			err := s.SetOption(o, v)
			switch {
			case want && err != nil:
				t.Errorf("%s: set %s: %v, want success", typ, o, err)
			case !want:
				wantKind(t, string(typ)+": set "+string(o), err, drivers.KindNotAllowed)
			}
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: close: %v", typ, err)
		}
	}
}

// TestCapabilitiesCoverKnownOptions: libzmq has every option the harness
// knows, so all must be declared, with all socket types and transports.
func TestCapabilitiesCoverKnownOptions(t *testing.T) {
	for _, name := range driverNames {
		d, err := drivers.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		caps := d.Capabilities()
		for o := range drivers.KnownOptions {
			if !caps.HasOption(o) {
				t.Errorf("%s: option %s not declared", name, o)
			}
		}
		for _, st := range drivers.AllSocketTypes {
			if !caps.HasSocket(st) {
				t.Errorf("%s: socket %s not declared", name, st)
			}
		}
		for _, tr := range drivers.AllTransports {
			if !caps.HasTransport(tr) {
				t.Errorf("%s: transport %s not declared", name, tr)
			}
		}
		want := []string{drivers.FeaturePoller, drivers.FeatureMetadata, drivers.FeaturePLAIN, drivers.FeatureZAP}
		if zmq.HasCurve() {
			want = append(want, drivers.FeatureCURVE)
		}
		if name == BindingName {
			want = append(want, drivers.FeaturePerfVariant)
		}
		if !sameSet(caps.Features, want) {
			t.Errorf("%s: features %v, want %v (only libzmq-binding is a perf variant; CURVE only when zmq_has(\"curve\"))", name, caps.Features, want)
		}
	}
}

// TestOptionValueErrors: bad values are refused without reaching a wrong
// classification.
func TestOptionValueErrors(t *testing.T) {
	c := newTestContext(t, Name)
	s := mustSocket(t, c, drivers.ROUTER)
	wantKind(t, "unknown option", s.SetOption("NO_SUCH_OPTION", 1), drivers.KindUnsupported)
	wantKind(t, "string for int", s.SetOption(drivers.SNDHWM, "10"), drivers.KindOther)
	wantKind(t, "bool option 2", s.SetOption(drivers.ROUTER_MANDATORY, 2), drivers.KindOther)
	// libzmq refuses a negative HWM and an empty routing id with EINVAL on
	// a socket type that has the option: a bad value, not a type refusal.
	wantKind(t, "SNDHWM -1", s.SetOption(drivers.SNDHWM, -1), drivers.KindOther)
	wantKind(t, "empty ROUTING_ID", s.SetOption(drivers.ROUTING_ID, ""), drivers.KindOther)
	mustOption(t, s, drivers.ROUTING_ID, []byte{0x01, 0x00, 'x'})
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// mustZ85 decodes Z85 text or panics (test constants only).
func mustZ85(s string) []byte {
	b, err := drivers.Z85Decode(s)
	if err != nil {
		panic(err)
	}
	return b
}
