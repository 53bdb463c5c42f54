package scenarios_test

import (
	"strings"
	"testing"

	"github.com/zharness/zharness/scenarios"
)

const wireHead = `
id: wire.t
title: t
clause: RFC 23 §GREET-1
grade: MUST
requirement: r
pattern: wire
transports: [tcp, ipc]
subject: iut
`

// A well-formed wire case decodes into a probe and typed wire steps with
// their defaults (conn "p", greeting 3.1 NULL).
func TestWireDecode(t *testing.T) {
	src := wireHead + `probe: {listen: ep}
roles:
  iut: {type: DEALER, connect: ep}
steps:
  - wire_accept: {}
  - wire_send_greeting: {to: 11}
  - wire_expect_greeting: {to: 11, minor_at_least: 1}
  - wire_handshake: {socket_type: ROUTER, identity: {hex: "00ff"}, properties: {X-Test: "1"}}
  - wire_expect_command: {name: PONG, data: "LOL", skip: [READY]}
  - wire_send_ready: {conn: p, socket_type: PUB, frames: ["x"]}
  - wire_expect_closed: {within: 2s}
`
	cs, err := scenarios.Decode("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	if c.Probe == nil || c.Probe.Listen != "ep" || c.Probe.Dial != "" {
		t.Fatalf("probe = %+v", c.Probe)
	}
	g := c.Steps[1].Wire
	if g.Conn != "p" || g.Major != 3 || g.Minor != 1 || g.Mechanism != "NULL" || g.From != 0 || g.To != 11 {
		t.Errorf("send_greeting = %+v", g)
	}
	if e := c.Steps[2].Wire; e.MinorAtLeast != 1 {
		t.Errorf("expect_greeting minor_at_least = %d", e.MinorAtLeast)
	}
	h := c.Steps[3].Wire
	if h.SocketType != "ROUTER" || string(h.Identity) != "\x00\xff" || len(h.Properties) != 1 || h.Properties[0].Name != "X-Test" {
		t.Errorf("handshake = %+v", h)
	}
	if x := c.Steps[4].Wire; x.Name != "PONG" || x.Data == nil || len(x.Skip) != 1 {
		t.Errorf("expect_command = %+v", x)
	}
	if x := c.Steps[6].Wire; x.Within.String() != "2s" {
		t.Errorf("expect_closed within = %v", x.Within)
	}
}

// Scenario mistakes around the probe are reported with what was expected.
func TestWireDecodeErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"no probe", `roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
`, "needs a probe section"},
		{"accept with dial", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_accept: {}
`, "wire_accept"},
		{"conn not opened", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
  - wire_send_raw: {conn: q, hex: "00"}
`, `uses probe connection "q" before`},
		{"probe both", `probe: {dial: ep, listen: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
`, "exactly one of listen or dial"},
		{"dial unbound", `probe: {dial: ep}
roles:
  iut: {type: PULL, connect: ep2}
steps:
  - wire_connect: {}
`, "does not bind it"},
		{"two roles", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
  other: {type: PUSH, connect: ep}
steps:
  - wire_connect: {}
`, "roles with side: subject (role other is neither)"},
		{"bad hex", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
  - wire_send_raw: {hex: "zz"}
`, "pairs of hex digits"},
		{"unknown field", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
  - wire_expect_closed: {within: 1s, frames: ["x"]}
`, `unknown key "frames"`},
		{"missing required", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
  - wire_expect_closed: {}
`, `missing required key "within"`},
		{"bad range", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
  - wire_send_greeting: {from: 20, to: 11}
`, "must be below"},
		{"socket type typo", `probe: {dial: ep}
roles:
  iut: {type: PULL, bind: ep}
steps:
  - wire_connect: {}
  - wire_handshake: {socket_type: PUSHH}
`, "socket_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Decode("t.yaml", []byte(wireHead+tc.body))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// The shipped wire cases load, number at least 25, cite a checklist id
// and run on tcp and ipc only (inproc cannot be probed).
func TestWireCasesShipped(t *testing.T) {
	cases, err := scenarios.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		if !strings.HasPrefix(c.ID, "wire.") {
			continue
		}
		n++
		if c.Probe == nil || c.Pattern != "wire" || len(c.Roles) != 1 {
			t.Errorf("%s: probe %v, pattern %q, %d roles", c.ID, c.Probe, c.Pattern, len(c.Roles))
		}
		for _, tr := range c.Transports {
			if tr == "inproc" {
				t.Errorf("%s: inproc cannot be probed", c.ID)
			}
		}
	}
	if n < 25 {
		t.Errorf("%d wire cases, want at least 25", n)
	}
}
