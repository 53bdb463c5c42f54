package gozmq

import (
	"slices"
	"testing"

	"github.com/zharness/zharness/drivers"
)

func TestRegistryAndVersion(t *testing.T) {
	d, err := drivers.Lookup(Name)
	if err != nil {
		t.Fatalf("Lookup: %v", err)
	}
	if d.Name() != "gozmq" {
		t.Errorf("Name() = %q", d.Name())
	}
	// The test binary carries build info, so this is the real module
	// version from go.mod, not the fallback constant.
	if v := d.Version(); v != "v0.17.0" {
		t.Errorf("Version() = %q, want v0.17.0", v)
	}
}

func TestCapabilities(t *testing.T) {
	c := New().Capabilities()
	if !slices.Equal(c.Sockets, drivers.AllSocketTypes) {
		t.Errorf("Sockets = %v", c.Sockets)
	}
	if !slices.Equal(c.Transports, drivers.AllTransports) {
		t.Errorf("Transports = %v", c.Transports)
	}
	want := []drivers.Option{drivers.PLAIN_PASSWORD, drivers.PLAIN_SERVER, drivers.PLAIN_USERNAME,
		drivers.RECONNECT_IVL, drivers.ROUTING_ID, drivers.SNDHWM,
		drivers.SNDTIMEO, drivers.SUBSCRIBE, drivers.UNSUBSCRIBE}
	if !slices.Equal(c.Options, want) {
		t.Errorf("Options = %v, want %v", c.Options, want)
	}
	if !slices.Equal(c.Features, []string{drivers.FeaturePLAIN}) {
		t.Errorf("Features = %v, want only plain (no curve, no zap in go-zeromq)", c.Features)
	}
}

func TestSetOption(t *testing.T) {
	cases := []struct {
		typ   drivers.SocketType
		opt   drivers.Option
		value any
		want  drivers.Kind // -1: success
	}{
		{drivers.SUB, drivers.SUBSCRIBE, "", -1},
		{drivers.SUB, drivers.SUBSCRIBE, []byte("a"), -1},
		{drivers.SUB, drivers.UNSUBSCRIBE, "a", -1},
		{drivers.PUB, drivers.SNDHWM, 10, -1},
		{drivers.DEALER, drivers.ROUTING_ID, []byte("id"), -1},
		{drivers.PUSH, drivers.SNDTIMEO, 100, -1},
		{drivers.REQ, drivers.RECONNECT_IVL, 100, -1},
		{drivers.ROUTER, drivers.PLAIN_SERVER, 1, -1},
		{drivers.DEALER, drivers.PLAIN_USERNAME, "admin", -1},
		{drivers.DEALER, drivers.PLAIN_PASSWORD, []byte("secret"), -1},
		{drivers.ROUTER, drivers.PLAIN_SERVER, 2, drivers.KindOther},
		{drivers.DEALER, drivers.CURVE_SERVER, 1, drivers.KindUnsupported},
		{drivers.DEALER, drivers.CURVE_SERVERKEY, "k", drivers.KindUnsupported},
		{drivers.DEALER, drivers.ZAP_DOMAIN, "global", drivers.KindUnsupported},
		// Outside go-zeromq's API (see optionSpecs for the evidence).
		{drivers.PULL, drivers.LINGER, 0, drivers.KindUnsupported},
		{drivers.PULL, drivers.RCVTIMEO, 100, drivers.KindUnsupported},
		{drivers.PULL, drivers.RCVHWM, 10, drivers.KindUnsupported},
		{drivers.PUSH, drivers.SNDHWM, 10, drivers.KindUnsupported},
		{drivers.XPUB, drivers.SNDHWM, 10, drivers.KindUnsupported},
		{drivers.PUB, drivers.SUBSCRIBE, "", drivers.KindUnsupported},
		{drivers.XSUB, drivers.SUBSCRIBE, "", drivers.KindUnsupported},
		{drivers.ROUTER, drivers.ROUTER_MANDATORY, 1, drivers.KindUnsupported},
		{drivers.PULL, drivers.CONFLATE, 1, drivers.KindUnsupported},
		{drivers.PUSH, drivers.IMMEDIATE, 1, drivers.KindUnsupported},
		{drivers.XPUB, drivers.XPUB_VERBOSE, 1, drivers.KindUnsupported},
		{drivers.REQ, drivers.REQ_RELAXED, 1, drivers.KindUnsupported},
		{drivers.REQ, drivers.REQ_CORRELATE, 1, drivers.KindUnsupported},
		{drivers.PUSH, drivers.SNDTIMEO, 0, drivers.KindUnsupported},
		{drivers.PUSH, drivers.SNDTIMEO, -1, drivers.KindUnsupported},
		{drivers.PUSH, drivers.RECONNECT_IVL, -1, drivers.KindUnsupported},
		{drivers.DEALER, drivers.ROUTING_ID, "", drivers.KindUnsupported},
		// Bad values and names.
		{drivers.SUB, drivers.SUBSCRIBE, 3, drivers.KindOther},
		{drivers.PUB, drivers.SNDHWM, "x", drivers.KindOther},
		{drivers.PUB, drivers.SNDHWM, -1, drivers.KindOther},
		{drivers.PUB, "NO_SUCH_OPTION", 1, drivers.KindUnsupported},
	}
	e := newEnv(t)
	for _, c := range cases {
		err := e.socket(c.typ).SetOption(c.opt, c.value)
		if got := drivers.KindOf(err); got != c.want {
			t.Errorf("%s SetOption(%s, %v) = %v (kind %v), want kind %v", c.typ, c.opt, c.value, err, got, c.want)
		}
	}
}

// TestConstructorOptionAfterBuild: options go-zeromq takes only at
// construction are refused with KindInvalidState once the socket exists,
// while live options still work.
func TestConstructorOptionAfterBuild(t *testing.T) {
	e := newEnv(t)
	s := e.socket(drivers.SUB)
	if err := s.SetOption(drivers.ROUTING_ID, "before"); err != nil {
		t.Fatalf("ROUTING_ID before bind: %v", err)
	}
	if err := s.Bind(e.endpoint(drivers.TCP)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "ROUTING_ID after bind", s.SetOption(drivers.ROUTING_ID, "after"), drivers.KindInvalidState)
	wantKind(t, "SNDTIMEO after bind", s.SetOption(drivers.SNDTIMEO, 10), drivers.KindInvalidState)
	if err := s.SetOption(drivers.SUBSCRIBE, "t"); err != nil {
		t.Fatalf("SUBSCRIBE after bind: %v", err)
	}
}

// TestUnsubscribe: subscribe, see a message, unsubscribe, see it filtered.
func TestUnsubscribe(t *testing.T) {
	e := newEnv(t)
	pub, sub := e.pair(drivers.TCP, drivers.PUB, drivers.SUB, func(_, c drivers.Socket) {
		if err := c.SetOption(drivers.SUBSCRIBE, "a"); err != nil {
			t.Fatal(err)
		}
	})
	syncSub(t, pub, sub, "a")
	if err := sub.SetOption(drivers.UNSUBSCRIBE, "a"); err != nil {
		t.Fatal(err)
	}
	if err := sub.SetOption(drivers.SUBSCRIBE, "b"); err != nil {
		t.Fatal(err)
	}
	// Once "b" arrives, PUB has applied the unsubscribe sent before the
	// subscribe on the same connection (pubQReader.listen handles them in
	// order), so a later "a" must be filtered.
	syncSub(t, pub, sub, "b")
	mustSend(t, pub, drivers.MsgFromStrings("a-late"))
	mustSend(t, pub, drivers.MsgFromStrings("b-end"))
	for {
		m := mustRecv(t, sub)
		switch string(m[0]) {
		case "b-probe":
			continue
		case "b-end":
			return
		}
		t.Fatalf("got %q after UNSUBSCRIBE a", m[0])
	}
}
