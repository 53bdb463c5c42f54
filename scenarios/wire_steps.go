package scenarios

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/zmtp"
	"github.com/zharness/zharness/reports"
)

// wireStep runs a wire_* step; it reports false for any other kind.
func (r *runner) wireStep(s *Step) bool {
	if s.Wire == nil {
		return false
	}
	w := s.Wire
	switch s.Kind {
	case StepWireAccept, StepWireConnect:
		r.wireOpen(s)
		return true
	}
	pc := r.probeConn(s)
	if pc == nil {
		return true
	}
	pc.c.SetTimeout(r.wireTimeout(w))
	switch s.Kind {
	case StepWireSendGreeting:
		r.wireSendGreeting(s, pc)
	case StepWireExpGreeting:
		r.wireExpectGreeting(s, pc)
	case StepWireHandshake:
		r.wireHandshake(s, pc)
	case StepWireSendReady:
		r.wireSendReady(s, pc)
	case StepWireExpReady:
		r.wireExpectReady(s, pc)
	case StepWireSendMessage:
		r.wireSendMessage(s, pc)
	case StepWireExpMessage:
		r.wireExpectMessage(s, pc)
	case StepWireSendCommand:
		r.wireSendCommand(s, pc)
	case StepWireExpCommand:
		r.wireExpectCommand(s, pc)
	case StepWireExpSubscr:
		r.wireExpectSubscription(s, pc)
	case StepWireSendRaw:
		r.wireSent(s, pc.c.SendRaw(w.Raw), fmt.Sprintf("%d raw octets", len(w.Raw)))
	case StepWireExpClosed, StepWireExpOpen:
		r.wireExpectClosed(s, pc)
	case StepWireClose:
		r.wireClose(s, pc)
	case StepWireSync:
		r.wireSync(s, pc)
	case StepWireRequire:
		r.wireRequire(s, pc)
	default:
		r.harnessErr(fmt.Errorf("%s: wire step %q has no interpreter", s.Pos, s.Kind))
	}
	return true
}

func (r *runner) wireTimeout(w *WireStep) time.Duration {
	if w.Timeout > 0 {
		return r.scale(w.Timeout)
	}
	return r.scale(Tw)
}

// wireOpen accepts or dials a probe connection.
func (r *runner) wireOpen(s *Step) {
	w := s.Wire
	st := r.wireState()
	st.mu.Lock()
	_, dup := st.conns[w.Conn]
	lis := st.lis
	st.mu.Unlock()
	if dup {
		r.harnessErr(fmt.Errorf("%s: probe connection %q is already open", s.Pos, w.Conn))
		return
	}
	var c *zmtp.Conn
	var err error
	what := "the subject connects to the probe"
	if s.Kind == StepWireAccept {
		if lis == nil {
			r.harnessErr(fmt.Errorf("%s: wire_accept: the probe is not listening", s.Pos))
			return
		}
		c, err = lis.Accept(r.wireTimeout(w))
	} else {
		ep, eerr := r.endpoint(r.c.Probe.Dial)
		if eerr != nil {
			r.harnessErr(eerr)
			return
		}
		what = "the probe's connection to " + ep + " is accepted"
		c, err = zmtp.Dial(ep, r.wireTimeout(w))
	}
	r.log("probe:"+w.Conn, string(s.Kind), "", err)
	if err != nil {
		r.wireFail(s, err, what)
		return
	}
	// The probe reads frames up to the largest the cases send or expect;
	// a hostile size from the IUT is refused without allocating it.
	c.SetMaxFrame(1 << 20)
	pc := &probeConn{name: w.Conn, c: c}
	st.mu.Lock()
	st.conns[w.Conn] = pc
	st.all = append(st.all, pc)
	st.mu.Unlock()
}

func (r *runner) probeConn(s *Step) *probeConn {
	st := r.wireState()
	st.mu.Lock()
	defer st.mu.Unlock()
	pc := st.conns[s.Wire.Conn]
	if pc == nil {
		r.harnessErr(fmt.Errorf("%s: probe connection %q is not open at this step", s.Pos, s.Wire.Conn))
	}
	return pc
}

// wireFail records a violation for a failed probe read or write: a
// timeout is kind timeout, a close by the IUT or anything else a mismatch
// with what was expected.
func (r *runner) wireFail(s *Step, err error, expected string) {
	kind := reports.KindMismatch
	actual := err.Error()
	switch {
	case zmtp.IsTimeout(err):
		kind = reports.KindTimeout
		actual = "nothing (or not enough) arrived within " + r.wireTimeout(s.Wire).String()
	case zmtp.IsClosed(err):
		actual = "the IUT closed the connection: " + err.Error()
	}
	r.fail(&violation{kind: kind, expected: []string{expected}, actual: actual, grade: s.Grade, at: s.Pos})
}

// wireSent judges a probe write. A write can only fail if the IUT has
// already closed the connection, which the step did not expect.
func (r *runner) wireSent(s *Step, err error, what string) bool {
	r.log("probe:"+s.Wire.Conn, string(s.Kind), what, err)
	if err != nil {
		r.fail(&violation{kind: reports.KindError, expected: []string{"the IUT keeps the connection open while the probe sends " + what}, actual: err.Error(), grade: s.Grade, at: s.Pos})
		return false
	}
	return true
}

func (r *runner) wireSendGreeting(s *Step, pc *probeConn) {
	w := s.Wire
	if pc.greet == nil {
		g := zmtp.Greeting{Major: w.Major, Minor: w.Minor, Mechanism: w.Mechanism, AsServer: w.AsServer}
		copy(g.Padding[:], w.Padding)
		b, err := g.Encode()
		if err != nil {
			r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
			return
		}
		pc.greet, pc.major, pc.minor = b, w.Major, w.Minor
	}
	if w.From != pc.sent {
		r.harnessErr(fmt.Errorf("%s: greeting octets %d.. already sent up to %d; from must continue there", s.Pos, w.From, pc.sent))
		return
	}
	if r.wireSent(s, pc.c.SendRaw(pc.greet[w.From:w.To]), fmt.Sprintf("greeting octets %d–%d (%d.%d %s)", w.From, w.To-1, pc.major, pc.minor, w.Mechanism)) {
		pc.sent = w.To
	}
}

// readPeerGreeting reads the IUT's greeting up to octet `to`.
func (r *runner) readPeerGreeting(s *Step, pc *probeConn, to int) bool {
	if len(pc.peer) >= to {
		return true
	}
	b, err := pc.c.ReadRaw(to - len(pc.peer))
	pc.peer = append(pc.peer, b...)
	if err != nil {
		r.wireFail(s, err, fmt.Sprintf("the IUT's greeting up to octet %d (have %d)", to, len(pc.peer)))
		return false
	}
	return true
}

// wireExpectGreeting checks the IUT's greeting field by field, on the
// octets available up to `to`: signature (octets 0 and 9 only: padding
// carries no meaning, RFC 23 §GREET-2), major, minor, mechanism, as-server
// and the zero filler.
func (r *runner) wireExpectGreeting(s *Step, pc *probeConn) {
	w := s.Wire
	if !r.readPeerGreeting(s, pc, w.To) {
		return
	}
	b := pc.peer
	var bad []string
	if b[0] != 0xFF {
		bad = append(bad, fmt.Sprintf("octet 0 = %02X, want FF", b[0]))
	}
	if len(b) > 9 && b[9] != 0x7F {
		bad = append(bad, fmt.Sprintf("octet 9 = %02X, want 7F", b[9]))
	}
	if len(b) > 10 && b[10] != w.Major {
		bad = append(bad, fmt.Sprintf("major version %d, want %d", b[10], w.Major))
	}
	if len(b) == zmtp.GreetingSize {
		g, err := zmtp.ParseGreeting(b)
		if err != nil {
			bad = append(bad, err.Error())
		} else {
			if err := g.Validate(0); err != nil {
				bad = append(bad, err.Error())
			}
			if g.Minor < w.MinorAtLeast {
				bad = append(bad, fmt.Sprintf("minor version %d, want ≥ %d", g.Minor, w.MinorAtLeast))
			}
			if g.Mechanism != w.Mechanism {
				bad = append(bad, fmt.Sprintf("mechanism %q, want %q", g.Mechanism, w.Mechanism))
			}
			if !w.AsServerAny && g.AsServer != w.AsServer {
				bad = append(bad, fmt.Sprintf("as-server %02X, want %02X", g.AsServer, w.AsServer))
			}
			r.observe(fmt.Sprintf("IUT greeting: ZMTP %d.%d %s as-server %d", g.Major, g.Minor, g.Mechanism, g.AsServer))
		}
	}
	r.log("probe:"+w.Conn, string(s.Kind), fmt.Sprintf("octets 0–%d: %x", len(b)-1, b), nil)
	if len(bad) > 0 {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("greeting FF…7F %d.≥%d %s as-server %d, zero filler", w.Major, w.MinorAtLeast, w.Mechanism, w.AsServer)}, actual: strings.Join(bad, "; "), grade: s.Grade, at: s.Pos})
	}
}

func readyMetadata(w *WireStep) zmtp.Metadata {
	var md zmtp.Metadata
	if w.SocketType != "" {
		md = zmtp.SocketMetadata(w.SocketType, w.Identity)
	} else if w.Identity != nil {
		md = zmtp.Metadata{{Name: zmtp.PropIdentity, Value: w.Identity}}
	}
	return append(md, w.Properties...)
}

// wireHandshake completes whatever part of the greeting exchange earlier
// steps left, then the NULL handshake, recording the IUT's metadata.
func (r *runner) wireHandshake(s *Step, pc *probeConn) {
	w := s.Wire
	if pc.greet == nil {
		b, _ := zmtp.NullGreeting(w.Minor).Encode()
		pc.greet, pc.major, pc.minor = b, 3, w.Minor
	}
	if pc.sent < zmtp.GreetingSize {
		if !r.wireSent(s, pc.c.SendRaw(pc.greet[pc.sent:]), "greeting") {
			return
		}
		pc.sent = zmtp.GreetingSize
	}
	if !r.readPeerGreeting(s, pc, zmtp.GreetingSize) {
		return
	}
	if err := zmtp.CheckSignature(pc.peer); err != nil {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{"a ZMTP 3 greeting"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
		return
	}
	md, err := pc.c.HandshakeNULL(readyMetadata(w))
	r.log("probe:"+w.Conn, string(s.Kind), "IUT READY "+md.String(), err)
	if err != nil {
		var pe *zmtp.PeerError
		if errors.As(err, &pe) {
			r.fail(&violation{kind: reports.KindMismatch, expected: []string{"READY from the IUT"}, actual: "ERROR " + pe.Reason, grade: s.Grade, at: s.Pos})
			return
		}
		r.wireFail(s, err, fmt.Sprintf("the NULL handshake completes (probe announces %s)", w.SocketType))
		return
	}
	pc.md, pc.haveMD = md, true
}

// wireSendReady sends READY and, when frames are given, a message in the
// same write: a peer that refuses the READY may close at once, and a
// separate write would then race with that close.
func (r *runner) wireSendReady(s *Step, pc *probeConn) {
	ready, err := zmtp.Ready(readyMetadata(s.Wire))
	if err != nil {
		// The probe may send ungrammatical metadata on purpose.
		ready = zmtp.Command{Name: zmtp.CmdReady}
		for _, p := range readyMetadata(s.Wire) {
			ready.Data = zmtp.AppendProperty(ready.Data, p.Name, p.Value)
		}
	}
	fs := []zmtp.Frame{ready.Frame()}
	what := "READY " + readyMetadata(s.Wire).String()
	if len(s.Wire.Frames) > 0 {
		m, err := expand(s.Wire.Frames, 0, r.vars)
		if err != nil {
			r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
			return
		}
		fs = append(fs, zmtp.MessageFrames(m...)...)
		what += " and message " + render(m)
	}
	r.wireSent(s, pc.c.SendFrames(fs...), what)
}

// wireRequire makes the case UNIMPLEMENTED when the IUT's greeting
// announces a lower ZMTP 3.x revision than the clause needs (an RFC 37
// feature facing a 3.0-only implementation): the requirement does not
// apply to what the IUT speaks, and passing it vacuously would mislead.
func (r *runner) wireRequire(s *Step, pc *probeConn) {
	if !r.readPeerGreeting(s, pc, 12) {
		return
	}
	major, minor := pc.peer[10], pc.peer[11]
	r.log("probe:"+s.Wire.Conn, string(s.Kind), fmt.Sprintf("IUT speaks %d.%d; the case needs 3.%d", major, minor, s.Wire.Minor), nil)
	if major == 3 && minor < s.Wire.Minor {
		r.mu.Lock()
		if r.unimpl == nil && r.first == nil {
			r.unimpl = &unimplemented{reason: fmt.Sprintf("%s: the IUT speaks ZMTP %d.%d (its greeting); this clause needs ZMTP 3.%d", r.p.Subject.Name(), major, minor, s.Wire.Minor)}
		}
		r.mu.Unlock()
	}
}

// wireExpectReady checks the IUT's READY: read now unless a handshake
// already recorded it. Its grammar is checked by the parse (RFC 23
// §NULL-4).
func (r *runner) wireExpectReady(s *Step, pc *probeConn) {
	w := s.Wire
	if !pc.haveMD {
		if !r.readPeerGreeting(s, pc, zmtp.GreetingSize) {
			return
		}
		f, err := pc.c.ReadFrame()
		if err != nil {
			r.wireFail(s, err, "a READY command from the IUT")
			return
		}
		cmd, err := zmtp.FrameCommand(f)
		if err == nil && cmd.Name != zmtp.CmdReady {
			err = fmt.Errorf("%w: %s", zmtp.ErrUnexpectedCommand, cmd.Name)
		}
		var md zmtp.Metadata
		if err == nil {
			md, err = zmtp.ParseReady(cmd)
		}
		if err != nil {
			r.fail(&violation{kind: reports.KindMismatch, expected: []string{"a grammatical READY command"}, actual: fmt.Sprintf("%v (frame %s)", err, f), grade: s.Grade, at: s.Pos})
			return
		}
		pc.md, pc.haveMD = md, true
	}
	r.log("probe:"+w.Conn, string(s.Kind), "IUT READY "+pc.md.String(), nil)
	var bad []string
	if w.SocketType != "" {
		if v, ok := pc.md.Get(zmtp.PropSocketType); !ok || string(v) != w.SocketType {
			bad = append(bad, fmt.Sprintf("Socket-Type %q (present: %v), want %q", v, ok, w.SocketType))
		}
	}
	id, hasID := pc.md.Get(zmtp.PropIdentity)
	if w.Identity != nil && (!hasID || !bytes.Equal(id, w.Identity)) {
		bad = append(bad, fmt.Sprintf("Identity %s (present: %v), want %s", renderFrame(id), hasID, renderFrame(w.Identity)))
	}
	if w.NoIdentity && hasID && len(id) > 0 {
		bad = append(bad, fmt.Sprintf("Identity %s, want none", renderFrame(id)))
	}
	if len(bad) > 0 {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{"READY " + readyMetadata(w).String()}, actual: "READY " + pc.md.String() + ": " + strings.Join(bad, "; "), grade: s.Grade, at: s.Pos})
	}
}

func (r *runner) wireSendMessage(s *Step, pc *probeConn) {
	m, err := expand(s.Wire.Frames, 0, r.vars)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
		return
	}
	fs := zmtp.MessageFrames(m...)
	if s.Wire.Long {
		for i := range fs {
			fs[i].Flags |= zmtp.FlagLong
		}
	}
	r.wireSent(s, pc.c.SendFrames(fs...), "message "+render(m))
}

// wireExpectMessage reads one message and checks bodies and flags: no
// reserved bits (§FRAME-1), LONG exactly when the body exceeds 255 octets
// (§FRAME-2), MORE on every frame but the last (§FRAME-4).
func (r *runner) wireExpectMessage(s *Step, pc *probeConn) {
	if pc.outOfStep {
		r.harnessErr(fmt.Errorf("%s: the probe stream is out of step after an earlier step", s.Pos))
		return
	}
	want, err := expand(s.Wire.Frames, 0, r.vars)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
		return
	}
	fs, err := pc.c.ReadMessage()
	if cmds := pc.c.SkippedCommands(); len(cmds) > 0 {
		r.log("probe:"+s.Wire.Conn, "note", fmt.Sprintf("commands before the message: %v", cmds), nil)
	}
	if err != nil {
		r.wireFail(s, err, "message "+render(want))
		return
	}
	got := drivers.Msg(zmtp.Bodies(fs))
	var bad []string
	if !got.Equal(want) {
		bad = append(bad, "bodies "+render(got))
	}
	for i, f := range fs {
		if f.Reserved() != 0 {
			bad = append(bad, fmt.Sprintf("frame %d flags %02X: reserved bits set", i, f.Flags))
		}
		if f.Long() != (len(f.Body) > zmtp.MaxShortSize) {
			bad = append(bad, fmt.Sprintf("frame %d (%d octets) flags %02X: LONG must be set exactly for bodies over 255 octets", i, len(f.Body), f.Flags))
		}
		if f.More() != (i < len(fs)-1) {
			bad = append(bad, fmt.Sprintf("frame %d of %d flags %02X: MORE must be set on every frame but the last", i, len(fs), f.Flags))
		}
	}
	r.log("probe:"+s.Wire.Conn, string(s.Kind), render(got)+" flags "+frameFlags(fs), nil)
	if len(bad) > 0 {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{"message " + render(want) + " with well-formed flags"}, actual: strings.Join(bad, "; "), grade: s.Grade, at: s.Pos})
	}
}

func frameFlags(fs []zmtp.Frame) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%02X", f.Flags))
	}
	return strings.Join(parts, " ")
}

// wireData is a command step's data with ${vars} expanded (a PLAIN HELLO
// built from the run's generated password, say).
func (r *runner) wireData(s *Step) ([]byte, bool) {
	f := *s.Wire.Data
	if f.IsRaw {
		return f.Raw, true
	}
	r.mu.Lock()
	b, err := expand([]Frame{f}, 0, r.vars)
	r.mu.Unlock()
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: data: %v", s.Pos, err))
		return nil, false
	}
	return b[0], true
}

func (r *runner) wireSendCommand(s *Step, pc *probeConn) {
	cmd := zmtp.Command{Name: s.Wire.Name}
	if s.Wire.Data != nil {
		var ok bool
		if cmd.Data, ok = r.wireData(s); !ok {
			return
		}
	}
	r.wireSent(s, pc.c.SendCommand(cmd), fmt.Sprintf("command %s %x", cmd.Name, cmd.Data))
}

// wireExpectCommand reads the next frame, which must be the named command
// (with the given data, when given).
func (r *runner) wireExpectCommand(s *Step, pc *probeConn) {
	w := s.Wire
	want := "command " + w.Name
	var data []byte
	if w.Data != nil {
		var ok bool
		if data, ok = r.wireData(s); !ok {
			return
		}
		want += fmt.Sprintf(" with data %x", data)
	}
	var f zmtp.Frame
	var cmd zmtp.Command
	for {
		var err error
		if f, err = pc.c.ReadFrame(); err != nil {
			r.wireFail(s, err, want)
			return
		}
		r.log("probe:"+w.Conn, string(s.Kind), f.String(), nil)
		cmd, err = zmtp.FrameCommand(f)
		if err != nil || !contains(w.Skip, cmd.Name) || cmd.Name == w.Name {
			break
		}
	}
	_, err := zmtp.FrameCommand(f)
	switch {
	case err != nil:
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{want}, actual: fmt.Sprintf("%s (%v)", f, err), grade: s.Grade, at: s.Pos})
	case cmd.Name != w.Name || (w.Data != nil && !bytes.Equal(cmd.Data, data)):
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{want}, actual: fmt.Sprintf("command %s with data %x", cmd.Name, cmd.Data), grade: s.Grade, at: s.Pos})
	}
}

// negotiatedMinor is the ZMTP 3.x revision both sides speak: the lower of
// the two greetings (a probe greeting above 3.x counts as the IUT's).
func (pc *probeConn) negotiatedMinor() (byte, bool) {
	if len(pc.peer) < 12 || pc.greet == nil {
		return 0, false
	}
	iut := pc.peer[11]
	if pc.major > 3 || pc.minor >= iut {
		return iut, true
	}
	return pc.minor, true
}

// wireExpectSubscription reads the next frame, which must be the
// subscription (or cancel) of topic in the form of the negotiated
// revision: a message 01/00+topic on ZMTP 3.0 (RFC 23 §PS-1), a
// SUBSCRIBE/CANCEL command on 3.1 (RFC 37 §PS-2).
func (r *runner) wireExpectSubscription(s *Step, pc *probeConn) {
	w := s.Wire
	minor, ok := pc.negotiatedMinor()
	if !ok {
		r.harnessErr(fmt.Errorf("%s: wire_expect_subscription before the greetings were exchanged", s.Pos))
		return
	}
	verb, cmdName := "subscription", zmtp.CmdSubscribe
	if w.Cancel {
		verb, cmdName = "cancel", zmtp.CmdCancel
	}
	var want string
	if minor == 0 {
		want = fmt.Sprintf("ZMTP 3.0 %s message %02x+%s", verb, map[bool]int{true: 0, false: 1}[w.Cancel], renderFrame(w.Topic))
	} else {
		want = fmt.Sprintf("ZMTP 3.%d %s command for %s", minor, cmdName, renderFrame(w.Topic))
	}
	f, err := pc.c.ReadFrame()
	if err != nil {
		r.wireFail(s, err, want)
		return
	}
	r.log("probe:"+w.Conn, string(s.Kind), f.String(), nil)
	sub, ok := zmtp.ParseSubscription(f)
	if !ok || sub.Subscribe == w.Cancel || !bytes.Equal(sub.Topic, w.Topic) || sub.Command != (minor > 0) {
		form := "message"
		if sub.Command {
			form = "command"
		}
		actual := fmt.Sprintf("frame %s", f)
		if ok {
			actual = fmt.Sprintf("%s in %s form (subscribe=%v) for %s", actual, form, sub.Subscribe, renderFrame(sub.Topic))
		}
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{want}, actual: actual, grade: s.Grade, at: s.Pos})
		return
	}
	r.observe(fmt.Sprintf("%s sent as a ZMTP 3.%d %s", verb, minor, map[bool]string{true: "command", false: "message"}[sub.Command]))
}

// wireExpectClosed waits for the IUT to close the connection
// (wire_expect_closed) or checks that it does not (wire_expect_open),
// logging whatever arrives meanwhile.
func (r *runner) wireExpectClosed(s *Step, pc *probeConn) {
	w := s.Wire
	within := r.scale(w.Within)
	before := len(pc.c.Log().Bytes(zmtp.In))
	t0 := time.Now()
	closed, err := pc.c.ExpectClosed(within)
	elapsed := time.Since(t0)
	extra := len(pc.c.Log().Bytes(zmtp.In)) - before
	if extra > 0 {
		pc.outOfStep = true
	}
	detail := fmt.Sprintf("closed=%v after %s, %d octets read meanwhile", closed, elapsed.Round(time.Millisecond), extra)
	r.log("probe:"+w.Conn, string(s.Kind), detail, err)
	if err != nil {
		r.fail(&violation{kind: reports.KindError, expected: []string{"a clean close or silence"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
		return
	}
	if s.Kind == StepWireExpClosed && !closed {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("the IUT closes the connection within %s", within)}, actual: fmt.Sprintf("still open after %s (%d octets received meanwhile)", within, extra), grade: s.Grade, at: s.Pos})
	}
	if s.Kind == StepWireExpOpen && closed {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("the connection stays open for %s", within)}, actual: fmt.Sprintf("the IUT closed it after %s", elapsed.Round(time.Millisecond)), grade: s.Grade, at: s.Pos})
	}
	if closed {
		r.observe(fmt.Sprintf("IUT closed %s after %s", w.Conn, elapsed.Round(time.Millisecond)))
	}
}

func (r *runner) wireClose(s *Step, pc *probeConn) {
	var err error
	if s.Wire.Abort {
		err = pc.c.Abort()
	} else {
		err = pc.c.Close()
	}
	r.log("probe:"+s.Wire.Conn, string(s.Kind), map[bool]string{true: "reset", false: "FIN"}[s.Wire.Abort], err)
	st := r.wireState()
	st.mu.Lock()
	delete(st.conns, s.Wire.Conn)
	st.mu.Unlock()
}

// wireSync proves a publisher's link to the probe carries messages: the
// subject socket publishes the probe text until the probe connection sees
// one, then probe+"-fin", and the probe reads up to that marker, so no
// probe message is left for later steps. The reads run in one goroutine
// (the Conn allows one reader) bounded by the Conn's timeout.
func (r *runner) wireSync(s *Step, pc *probeConn) {
	w := s.Wire
	sock := r.live(w.Socket, s.Pos)
	if sock == nil {
		return
	}
	within := r.scale(syncWithin)
	if w.Within > 0 {
		within = r.scale(w.Within)
	}
	fin := w.Probe + "-fin"
	pc.c.SetTimeout(within)
	seen := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		first := true
		for {
			fs, err := pc.c.ReadMessage()
			if err != nil {
				done <- err
				return
			}
			body := zmtp.Bodies(fs)
			if first && len(body) == 1 && string(body[0]) == w.Probe {
				first = false
				close(seen)
			}
			if len(body) == 1 && string(body[0]) == fin {
				done <- nil
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(r.ctx, within)
	defer cancel()
	sent := 0
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		sctx, scancel := context.WithTimeout(ctx, r.scale(Tw))
		err := sock.Send(sctx, drivers.Msg{[]byte(w.Probe)})
		scancel()
		if err != nil {
			r.log(w.Socket, "send", w.Probe, err)
			r.fail(&violation{kind: reports.KindError, expected: []string{"sync probes can be sent"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
			return
		}
		sent++
		select {
		case <-seen:
			waiting = false
		case err := <-done:
			r.wireFail(s, fmt.Errorf("sync: %w", err), fmt.Sprintf("a %q probe from %s reaches the probe connection", w.Probe, w.Socket))
			return
		case <-ctx.Done():
			r.fail(&violation{kind: reports.KindTimeout, expected: []string{fmt.Sprintf("a %q probe from %s reaches the probe connection within %s", w.Probe, w.Socket, within)}, actual: fmt.Sprintf("none of %d arrived", sent), grade: s.Grade, at: s.Pos})
			_ = pc.c.Close() // ends the reader
			<-done
			return
		case <-tick.C:
		}
	}
	sctx, scancel := context.WithTimeout(ctx, r.scale(Tw))
	err := sock.Send(sctx, drivers.Msg{[]byte(fin)})
	scancel()
	if err == nil {
		err = <-done
	} else {
		_ = pc.c.Close()
		<-done
	}
	r.log(w.Socket, "sync", fmt.Sprintf("%d probes sent; the probe connection saw one and the fin marker", sent), err)
	if err != nil {
		r.wireFail(s, err, fmt.Sprintf("the %q marker reaches the probe connection", fin))
	}
}
