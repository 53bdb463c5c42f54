package scenarios

import (
	"encoding/hex"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/zmtp"
)

// wireStepKeys lists the fields of each wire step kind (besides grade).
// Every kind takes conn (default "p").
var wireStepKeys = map[StepKind][]string{
	StepWireAccept:       {"conn", "timeout"},
	StepWireConnect:      {"conn", "timeout"},
	StepWireSendGreeting: {"conn", "major", "minor", "mechanism", "as_server", "padding_hex", "from", "to"},
	StepWireExpGreeting:  {"conn", "major", "minor", "minor_at_least", "mechanism", "as_server", "from", "to", "timeout"},
	StepWireHandshake:    {"conn", "socket_type", "identity", "minor", "properties", "timeout"},
	StepWireSendReady:    {"conn", "socket_type", "identity", "properties", "frames"},
	StepWireExpReady:     {"conn", "socket_type", "identity", "no_identity", "timeout"},
	StepWireSendMessage:  {"conn", "frames", "long"},
	StepWireExpMessage:   {"conn", "frames", "timeout"},
	StepWireSendCommand:  {"conn", "name", "data"},
	StepWireExpCommand:   {"conn", "name", "data", "skip", "timeout"},
	StepWireExpSubscr:    {"conn", "topic", "cancel", "timeout"},
	StepWireSendRaw:      {"conn", "hex"},
	StepWireExpClosed:    {"conn", "within"},
	StepWireExpOpen:      {"conn", "within"},
	StepWireClose:        {"conn", "abort"},
	StepWireSync:         {"conn", "socket", "probe", "within"},
	StepWireRequire:      {"conn", "minor"},
}

// wireRequired lists the fields each wire step kind cannot do without.
var wireRequired = map[StepKind][]string{
	StepWireSendMessage: {"frames"},
	StepWireExpMessage:  {"frames"},
	StepWireSendCommand: {"name"},
	StepWireExpCommand:  {"name"},
	StepWireExpSubscr:   {"topic"},
	StepWireSendRaw:     {"hex"},
	StepWireExpClosed:   {"within"},
	StepWireExpOpen:     {"within"},
	StepWireSync:        {"socket", "probe"},
	StepWireRequire:     {"minor"},
}

func init() {
	// The wire kinds join the step table here rather than in decode.go,
	// so the probe's vocabulary stays in one place.
	for k, v := range wireStepKeys {
		stepKeys[k] = v
	}
}

func isWireKind(k StepKind) bool {
	_, ok := wireStepKeys[k]
	return ok
}

// decodeProbe decodes a case's `probe:` mapping: {listen: ep} or {dial: ep}.
func (d *decoder) decodeProbe(n ast.Node, what string) *Probe {
	w := what + ": probe"
	f, ok := d.fields(n, w, "listen", "dial")
	if !ok {
		return nil
	}
	if len(f) != 1 {
		d.errorf(n, "%s: expected exactly one of listen or dial", w)
		return nil
	}
	p := &Probe{Pos: d.pos(n)}
	for k, v := range f {
		s, ok := d.str(v, w+": "+k)
		if !ok {
			return nil
		}
		if !nameRe.MatchString(s) {
			d.errorf(v, "%s: %s: endpoint names are symbolic identifiers such as ep1, found %q", w, k, s)
			return nil
		}
		if k == "listen" {
			p.Listen = s
		} else {
			p.Dial = s
		}
	}
	return p
}

// wireStep decodes the fields of a wire_* step.
func (d *decoder) wireStep(s *Step, f map[string]ast.Node, body ast.Node, c *Case, what string) {
	w := &WireStep{Conn: defaultConn, Major: 3, Minor: 1, Mechanism: "NULL", To: zmtp.GreetingSize}
	s.Wire = w
	for _, k := range wireRequired[s.Kind] {
		if _, ok := f[k]; !ok {
			d.errorf(body, "%s: missing required key %q", what, k)
		}
	}
	if v, ok := f["conn"]; ok {
		if n, ok := d.str(v, what+": conn"); ok {
			if !nameRe.MatchString(n) {
				d.errorf(v, "%s: conn: probe connection names are identifiers such as p or q, found %q", what, n)
			}
			w.Conn = n
		}
	}
	octet := func(key string, dst *byte, lo, hi int) {
		if v, ok := f[key]; ok {
			i, _ := d.integer(v, what+": "+key, lo, hi)
			*dst = byte(i)
		}
	}
	octet("major", &w.Major, 0, 255)
	octet("minor", &w.Minor, 0, 255)
	octet("minor_at_least", &w.MinorAtLeast, 0, 255)
	if v, ok := f["as_server"]; ok && s.Kind == StepWireExpGreeting && strings.TrimSpace(v.String()) == "any" {
		w.AsServerAny = true
	} else {
		octet("as_server", &w.AsServer, 0, 255)
	}
	if v, ok := f["mechanism"]; ok {
		w.Mechanism, _ = d.str(v, what+": mechanism")
		if len(w.Mechanism) > zmtp.MechanismSize {
			d.errorf(v, "%s: mechanism: at most %d octets", what, zmtp.MechanismSize)
		}
	}
	if v, ok := f["padding_hex"]; ok {
		w.Padding = d.hexBytes(v, what+": padding_hex")
		if w.Padding != nil && len(w.Padding) != 8 {
			d.errorf(v, "%s: padding_hex: expected 8 octets, found %d", what, len(w.Padding))
		}
	}
	if v, ok := f["from"]; ok {
		w.From, _ = d.integer(v, what+": from", 0, zmtp.GreetingSize-1)
	}
	if v, ok := f["to"]; ok {
		w.To, _ = d.integer(v, what+": to", 1, zmtp.GreetingSize)
	}
	if w.From >= w.To {
		d.errorf(body, "%s: from (%d) must be below to (%d)", what, w.From, w.To)
	}
	if v, ok := f["socket_type"]; ok {
		if t, ok := d.nonEmptyStr(v, what+": socket_type"); ok {
			// Any text is allowed on the wire (a probe may lie), but a
			// typo of a real type is more likely than a deliberate one.
			if _, err := drivers.ParseSocketType(t); err != nil && !strings.HasPrefix(t, "X-") {
				d.errorf(v, "%s: socket_type: %v", what, err)
			}
			w.SocketType = strings.ToUpper(t)
		}
	}
	if v, ok := f["identity"]; ok {
		if fr, ok := d.frame(v, what+": identity"); ok {
			w.Identity = frameBytes(fr)
		}
	}
	if v, ok := f["no_identity"]; ok {
		w.NoIdentity, _ = d.boolean(v, what+": no_identity")
	}
	if v, ok := f["properties"]; ok {
		for _, mv := range d.mappingEntries(v, what+": properties") {
			if fr, ok := d.frame(mv.Value, what+": properties "+mv.Key.String()); ok {
				w.Properties = append(w.Properties, zmtp.Property{Name: mv.Key.String(), Value: frameBytes(fr)})
			}
		}
	}
	if v, ok := f["frames"]; ok {
		w.Frames = d.frames(v, what+": frames")
	}
	if v, ok := f["long"]; ok {
		w.Long, _ = d.boolean(v, what+": long")
	}
	if v, ok := f["name"]; ok {
		w.Name, _ = d.nonEmptyStr(v, what+": name")
	}
	if v, ok := f["data"]; ok {
		if fr, ok := d.frame(v, what+": data"); ok {
			w.Data = &fr
		}
	}
	if v, ok := f["hex"]; ok {
		w.Raw = d.hexBytes(v, what+": hex")
	}
	if v, ok := f["topic"]; ok {
		if fr, ok := d.frame(v, what+": topic"); ok {
			w.Topic = frameBytes(fr)
		}
	}
	if v, ok := f["cancel"]; ok {
		w.Cancel, _ = d.boolean(v, what+": cancel")
	}
	if v, ok := f["skip"]; ok {
		for _, e := range d.seqOrOne(v) {
			if n, ok := d.nonEmptyStr(e, what+": skip"); ok {
				w.Skip = append(w.Skip, n)
			}
		}
	}
	if v, ok := f["abort"]; ok {
		w.Abort, _ = d.boolean(v, what+": abort")
	}
	if v, ok := f["socket"]; ok {
		w.Socket = d.roleRef(v, c, what+": socket")
	}
	if v, ok := f["probe"]; ok {
		w.Probe, _ = d.nonEmptyStr(v, what+": probe")
	}
	if v, ok := f["timeout"]; ok {
		w.Timeout, _ = d.duration(v, what+": timeout")
	}
	if v, ok := f["within"]; ok {
		w.Within, _ = d.duration(v, what+": within")
	}
}

// hexBytes decodes a string of hex pairs (spaces allowed).
func (d *decoder) hexBytes(n ast.Node, what string) []byte {
	s, ok := d.str(n, what)
	if !ok {
		return nil
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		d.errorf(n, "%s: expected pairs of hex digits, found %q", what, clip(s))
		return nil
	}
	return b
}

// frameBytes returns a frame template's literal bytes; wire fields take no
// {i} or ${name} substitutions.
func frameBytes(f Frame) []byte {
	if f.IsRaw {
		return f.Raw
	}
	return []byte(f.Text)
}

// checkWire enforces the rules that tie wire steps to the case: a probe
// section exists, wire_accept only with listen and wire_connect only with
// dial, and every connection a step uses is opened by an earlier step.
// The subject is the only role: the probe is the peer.
func (d *decoder) checkWire(c *Case, n ast.Node, what string) {
	opened := map[string]bool{}
	var bad bool
	walkSteps(c.Steps, func(s *Step) {
		if s.Wire == nil || bad {
			return
		}
		switch {
		case c.Probe == nil:
			d.errorf(n, "%s: %s step at %s needs a probe section (probe: {listen: ep} or {dial: ep})", what, s.Kind, s.Pos)
			bad = true
			return
		case s.Kind == StepWireAccept && c.Probe.Listen == "":
			d.errorf(n, "%s: wire_accept at %s needs probe: {listen: ...} (with dial, use wire_connect)", what, s.Pos)
		case s.Kind == StepWireConnect && c.Probe.Dial == "":
			d.errorf(n, "%s: wire_connect at %s needs probe: {dial: ...} (with listen, use wire_accept)", what, s.Pos)
		}
		if s.Kind == StepWireAccept || s.Kind == StepWireConnect {
			opened[s.Wire.Conn] = true
		} else if !opened[s.Wire.Conn] {
			d.errorf(n, "%s: %s at %s uses probe connection %q before a wire_accept or wire_connect opens it", what, s.Kind, s.Pos, s.Wire.Conn)
		}
	})
	if c.Probe == nil {
		return
	}
	for _, r := range c.Roles {
		// Besides the subject, only helpers in the subject's own context
		// (a ZAP handler) may take part: the probe is the only peer.
		if r.Name != c.Subject && r.Side != "subject" {
			d.errorf(n, "%s: a case with a probe has one role, the subject, and roles with side: subject (role %s is neither)", what, r.Name)
		}
	}
	ep := c.Probe.Endpoint()
	for _, r := range c.Roles {
		if r.Name != c.Subject {
			continue
		}
		if c.Probe.Listen != "" && contains(r.Bind, ep) {
			d.errorf(n, "%s: role %s binds %q, which the probe listens on", what, r.Name, ep)
		}
		if c.Probe.Dial != "" && !contains(r.Bind, ep) {
			d.errorf(n, "%s: the probe dials %q but role %s does not bind it", what, ep, r.Name)
		}
	}
}
