package drivertest

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/zharness/zharness/drivers"
)

// recvTypes are the socket types whose first operation may be a Recv:
// the timeout check needs a Recv that is allowed and simply has no message.
var recvTypes = []drivers.SocketType{
	drivers.PULL, drivers.SUB, drivers.PAIR, drivers.DEALER,
	drivers.ROUTER, drivers.REP, drivers.XSUB, drivers.XPUB,
}

// timeoutReps is how many timed-out Recvs each socket type gets, so the
// worst overshoot is a maximum over several samples.
const timeoutReps = 3

// Names outside everything the harness knows, which no driver can support.
const (
	noSuchOption drivers.Option     = "NO_SUCH_OPTION"
	noSuchSocket drivers.SocketType = "NO_SUCH_TYPE"
)

// propertyCases lists the single-driver cases for d.
func propertyCases(d drivers.Driver, opts Options) []caseSpec {
	caps := d.Capabilities()
	tr := bindTransport(caps, opts)
	var cs []caseSpec
	for _, t := range recvTypes {
		if caps.HasSocket(t) {
			cs = append(cs, caseSpec{name: "timeout/" + string(t), run: timeoutRun(d, t, tr)})
		}
	}
	for _, t := range caps.Sockets {
		cs = append(cs, caseSpec{name: "closed/" + string(t), run: closedRun(d, t, tr)})
	}
	cs = append(cs,
		caseSpec{name: "unsupported/socket-types", run: unsupportedSocketsRun(d)},
		unsupportedTransportsCase(d),
		caseSpec{name: "unsupported/options", run: unsupportedOptionsRun(d)},
		caseSpec{name: "context-close", run: contextCloseRun(d, tr)},
	)
	if len(caps.Sockets) == 0 {
		for i := range cs {
			if cs[i].name != "unsupported/socket-types" {
				cs[i].skip, cs[i].run = d.Name()+" declares no socket types", nil
			}
		}
	}
	return cs
}

// bindTransport picks the transport property cases bind on ("" for none):
// the first requested (or known) transport the driver declares.
func bindTransport(caps drivers.Capabilities, opts Options) drivers.Transport {
	ts := opts.Transports
	if ts == nil {
		ts = drivers.AllTransports
	}
	for _, t := range ts {
		if caps.HasTransport(t) {
			return t
		}
	}
	return ""
}

// guard runs fn and records a panic as a failure of subject's op, so one
// panicking call does not hide the checks after it.
func (r *run) guard(subject, op string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			r.fail(subject, op, fmt.Sprintf("panic: %v", v), "no panic")
		}
	}()
	fn()
}

// timeoutRun: a Recv with no message returns KindTimeout, not before its
// deadline and at most TimeoutSlack after it.
func timeoutRun(d drivers.Driver, t drivers.SocketType, tr drivers.Transport) func(*run) {
	return func(r *run) {
		c, ok := r.newContext(d)
		if !ok {
			return
		}
		s, ok := r.newSocket(c, d, t)
		if !ok {
			return
		}
		// Bound, so the socket is in its usual state, but with no peer.
		if tr != "" {
			ep, ok := r.endpoint(tr)
			if !ok || !r.bind(s, ep) {
				return
			}
		}
		deadline := r.opts.RecvDeadline
		var worst time.Duration
		for i := range timeoutReps {
			op := fmt.Sprintf("Recv %d with a %v deadline and no peer", i+1, deadline)
			start := time.Now()
			ctx, cancel := context.WithDeadline(context.Background(), start.Add(deadline))
			m, err := s.sock.Recv(ctx)
			elapsed := time.Since(start)
			cancel()
			if err == nil {
				r.fail(s.name, op, describeMsg(m), "error of kind timeout")
				continue
			}
			if !r.wantKind(s.name, op, err, drivers.KindTimeout) {
				continue
			}
			if elapsed < deadline-clockGranularity {
				r.fail(s.name, op, fmt.Sprintf("return after %v", elapsed),
					fmt.Sprintf("no return before the deadline (%v)", deadline))
			}
			over := max(elapsed-deadline, 0)
			worst = max(worst, over)
			r.recordOvershoot(over)
			if over > TimeoutSlack {
				r.fail(s.name, op, fmt.Sprintf("return %v after the deadline", over),
					fmt.Sprintf("at most %v after it", TimeoutSlack))
			}
		}
		r.logf("%s: worst overshoot %v over %d timed-out Recvs", s.name, worst, timeoutReps)
	}
}

// closedRun: after Close, every call returns KindClosed and a second
// Close neither panics nor reports anything but KindClosed.
func closedRun(d drivers.Driver, t drivers.SocketType, tr drivers.Transport) func(*run) {
	return func(r *run) {
		c, ok := r.newContext(d)
		if !ok {
			return
		}
		s, ok := r.newSocket(c, d, t)
		if !ok {
			return
		}
		var err error
		r.guard(s.name, "Close", func() { err = s.sock.Close() })
		if err != nil {
			r.fail(s.name, "Close", describeErr(err), "nil")
		}
		r.guard(s.name, "Close again", func() { err = s.sock.Close() })
		if err != nil {
			r.wantKind(s.name, "Close again", err, drivers.KindClosed)
		}
		r.wantAllClosed(s, "after Close", tr)
	}
}

// wantAllClosed checks that Send, Recv, Bind and Connect on s all return
// KindClosed, each guarded against panics and bounded by CallTimeout.
func (r *run) wantAllClosed(s side, when string, tr drivers.Transport) {
	r.guard(s.name, "Send "+when, func() {
		ctx, cancel := bounded(r.opts.CallTimeout)
		defer cancel()
		r.wantKind(s.name, "Send "+when, s.sock.Send(ctx, drivers.MsgFromStrings("x")), drivers.KindClosed)
	})
	r.guard(s.name, "Recv "+when, func() {
		ctx, cancel := bounded(r.opts.CallTimeout)
		defer cancel()
		_, err := s.sock.Recv(ctx)
		r.wantKind(s.name, "Recv "+when, err, drivers.KindClosed)
	})
	if tr == "" {
		return
	}
	ep, ok := r.endpoint(tr)
	if !ok {
		return
	}
	r.guard(s.name, "Bind "+when, func() {
		r.wantKind(s.name, "Bind("+ep+") "+when, s.sock.Bind(ep), drivers.KindClosed)
	})
	r.guard(s.name, "Connect "+when, func() {
		r.wantKind(s.name, "Connect("+ep+") "+when, s.sock.Connect(ep), drivers.KindClosed)
	})
}

// unsupportedSocketsRun: NewSocket of a type outside Capabilities (and of
// a type nobody knows) returns KindUnsupported.
func unsupportedSocketsRun(d drivers.Driver) func(*run) {
	return func(r *run) {
		c, ok := r.newContext(d)
		if !ok {
			return
		}
		caps := d.Capabilities()
		for _, t := range append(slices.Clone(drivers.AllSocketTypes), noSuchSocket) {
			if caps.HasSocket(t) {
				continue
			}
			op := "NewSocket(" + string(t) + ")"
			r.guard(d.Name(), op, func() {
				s, err := c.NewSocket(t)
				if err == nil {
					s.Close()
					r.fail(d.Name(), op, "a socket", "error of kind unsupported")
					return
				}
				r.wantKind(d.Name(), op, err, drivers.KindUnsupported)
			})
		}
	}
}

// unsupportedTransportsCase: Bind and Connect on a transport outside
// Capabilities return KindUnsupported. A driver that declares every known
// transport has nothing to check here; the case says so by skipping.
func unsupportedTransportsCase(d drivers.Driver) caseSpec {
	caps := d.Capabilities()
	var missing []drivers.Transport
	for _, t := range drivers.AllTransports {
		if !caps.HasTransport(t) {
			missing = append(missing, t)
		}
	}
	c := caseSpec{name: "unsupported/transports"}
	if len(missing) == 0 {
		c.skip = d.Name() + " declares every transport the harness knows"
		return c
	}
	c.run = func(r *run) {
		ctx, ok := r.newContext(d)
		if !ok || len(caps.Sockets) == 0 {
			return
		}
		for _, t := range missing {
			ep, ok := r.endpoint(t)
			if !ok {
				return
			}
			for _, op := range []string{"Bind", "Connect"} {
				// A fresh socket each time: a wrongly accepted bind must not
				// change what the connect sees.
				s, ok := r.newSocket(ctx, d, caps.Sockets[0])
				if !ok {
					return
				}
				r.guard(s.name, op+"("+ep+")", func() {
					var err error
					if op == "Bind" {
						err = s.sock.Bind(ep)
					} else {
						err = s.sock.Connect(ep)
					}
					r.wantKind(s.name, op+"("+ep+")", err, drivers.KindUnsupported)
				})
			}
		}
	}
	return c
}

// optionHome is the socket type an option belongs to, where it has one:
// asking a type the option is meant for keeps "unsupported" distinct from
// "not allowed on this type".
var optionHome = map[drivers.Option]drivers.SocketType{
	drivers.SUBSCRIBE: drivers.SUB, drivers.UNSUBSCRIBE: drivers.SUB,
	drivers.ROUTER_MANDATORY: drivers.ROUTER, drivers.XPUB_VERBOSE: drivers.XPUB,
	drivers.REQ_RELAXED: drivers.REQ, drivers.REQ_CORRELATE: drivers.REQ,
}

// optionValue is a well-typed value for o.
func optionValue(o drivers.Option) any {
	switch drivers.KnownOptions[o] {
	case drivers.BytesOption:
		return []byte("drivertest")
	case drivers.BoolOption:
		return 1
	}
	return 100
}

// unsupportedOptionsRun: SetOption of an option outside Capabilities (and
// of an option nobody knows) returns KindUnsupported.
func unsupportedOptionsRun(d drivers.Driver) func(*run) {
	return func(r *run) {
		c, ok := r.newContext(d)
		if !ok {
			return
		}
		caps := d.Capabilities()
		for _, o := range append(drivers.OptionNames(), noSuchOption) {
			if caps.HasOption(o) {
				continue
			}
			t := caps.Sockets[0]
			if home, ok := optionHome[o]; ok && caps.HasSocket(home) {
				t = home
			}
			s, ok := r.newSocket(c, d, t)
			if !ok {
				return
			}
			op := fmt.Sprintf("SetOption(%s, %v)", o, optionValue(o))
			r.guard(s.name, op, func() {
				r.wantKind(s.name, op, s.sock.SetOption(o, optionValue(o)), drivers.KindUnsupported)
			})
		}
	}
}

// contextCloseRun: Context.Close returns (within CallTimeout) and closes
// every socket left open, bound or not.
func contextCloseRun(d drivers.Driver, tr drivers.Transport) func(*run) {
	return func(r *run) {
		c, ok := r.newContext(d)
		if !ok {
			return
		}
		var socks []side
		for _, t := range d.Capabilities().Sockets {
			s, ok := r.newSocket(c, d, t)
			if !ok {
				return
			}
			socks = append(socks, s)
		}
		if tr != "" {
			if ep, ok := r.endpoint(tr); ok {
				r.bind(socks[0], ep)
			}
		}
		done := make(chan error, 1)
		go func() {
			defer r.recoverPanic(d.Name())
			err, _ := c.closeOnce()
			done <- err
		}()
		timer := time.NewTimer(r.opts.CallTimeout)
		defer timer.Stop()
		select {
		case err := <-done:
			if err != nil {
				r.fail(d.Name(), "Context.Close", describeErr(err), "nil")
			}
		case <-timer.C:
			r.fail(d.Name(), "Context.Close", fmt.Sprintf("no return within %v", r.opts.CallTimeout), "a prompt return (sockets closed with linger 0)")
			return
		}
		for _, s := range socks {
			r.wantAllClosed(s, "after Context.Close", tr)
			var err error
			r.guard(s.name, "Close after Context.Close", func() { err = s.sock.Close() })
			if err != nil {
				r.wantKind(s.name, "Close after Context.Close", err, drivers.KindClosed)
			}
		}
	}
}
