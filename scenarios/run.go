package scenarios

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// Time bounds from behaviours.md §1.
const (
	// Tw bounds something that must happen.
	Tw = 2 * time.Second
	// syncWithin bounds a sync step: links come up and subscriptions
	// propagate.
	syncWithin = 5 * time.Second
)

// Pairing assigns drivers: the subject role runs on Subject, every other
// role on Peer (decisions.md, ruling 6).
type Pairing struct {
	Subject drivers.Driver
	Peer    drivers.Driver
}

// Name is "subject:peer".
func (p Pairing) Name() string { return p.Subject.Name() + ":" + p.Peer.Name() }

// Options tune one run.
type Options struct {
	// Endpoints allocates concrete endpoints; required.
	Endpoints *drivers.Endpoints
	// TimeScale multiplies every time bound except lower bounds
	// (decisions.md, ruling 16). Zero means 1.
	TimeScale float64
	// Repro is the command that reruns this spec alone; stored in the record.
	Repro string
}

// Applicable reports whether the case can exist for this pairing and
// transport at all (N/A otherwise), with the reason.
func Applicable(c *Case, p Pairing, t drivers.Transport) (bool, string) {
	if !contains(c.Transports, t) {
		return false, fmt.Sprintf("the case does not apply to %s", t)
	}
	if t == drivers.Inproc && p.Subject.Name() != p.Peer.Name() && len(c.Roles) > 1 {
		return false, "inproc connects sockets of one context only; it cannot join two implementations"
	}
	if c.Probe != nil && p.Subject.Name() != p.Peer.Name() {
		return false, "a wire case pits the subject against the harness's probe; no peer driver takes part"
	}
	return true, ""
}

// Run executes c once for pairing p over transport t and returns its
// graded record. It never panics and never blocks past c.Timeout (scaled)
// plus cleanup bounds.
func Run(ctx context.Context, c *Case, p Pairing, t drivers.Transport, opts Options) (rec *reports.Record) {
	rec = newRecord(c, p, t, opts)
	start := time.Now()
	rec.Start = start
	defer func() { rec.Duration = time.Since(start) }()

	if gate(rec, c, p, t) {
		return rec
	}
	r := newRunner(c, p, t, opts, start)
	defer func() {
		if v := recover(); v != nil {
			r.fail(&violation{kind: reports.KindCrash, actual: fmt.Sprintf("panic: %v\n%s", v, debug.Stack())})
		}
		r.cleanup()
		r.finish(rec)
	}()
	ctx, cancel := context.WithTimeout(ctx, r.scale(c.Timeout))
	defer cancel()
	r.ctx = ctx
	if err := r.setup(); err != nil {
		return rec
	}
	r.steps(c.Steps, 0)
	return rec
}

// Gate decides, without running anything, whether c is N/A or
// UNIMPLEMENTED for this pairing and transport; if so it returns that
// record.
func Gate(c *Case, p Pairing, t drivers.Transport, opts Options) (*reports.Record, bool) {
	rec := newRecord(c, p, t, opts)
	rec.Start = time.Now()
	return rec, gate(rec, c, p, t)
}

func gate(rec *reports.Record, c *Case, p Pairing, t drivers.Transport) bool {
	if ok, why := Applicable(c, p, t); !ok {
		rec.Verdict, rec.Reason = reports.NotApplicable, why
		return true
	}
	if why := missingCapability(c, p, t); why != "" {
		rec.Verdict, rec.Reason = reports.Unimplemented, why
		return true
	}
	return false
}

func newRecord(c *Case, p Pairing, t drivers.Transport, opts Options) *reports.Record {
	return &reports.Record{
		Type: reports.RecordConformance, Case: c.ID, Title: c.Title, Clause: c.Clause,
		Grade: c.Grade, Require: c.Requirement, Pattern: c.Pattern,
		Subject: p.Subject.Name(), Peer: p.Peer.Name(), Transport: string(t),
		File: c.Pos.String(), Repro: opts.Repro,
	}
}

// missingCapability checks every role against its driver's capabilities
// before anything runs; the reason names what is missing.
func missingCapability(c *Case, p Pairing, t drivers.Transport) string {
	var missing []string
	for _, role := range c.Roles {
		d := roleDriver(c, p, role.Name)
		caps := d.Capabilities()
		if !caps.HasSocket(role.Type) {
			missing = append(missing, fmt.Sprintf("%s: socket type %s", d.Name(), role.Type))
		}
		if !caps.HasTransport(t) {
			missing = append(missing, fmt.Sprintf("%s: transport %s", d.Name(), t))
		}
		opts := role.Options
		walkSteps(c.Steps, func(s *Step) {
			if s.Kind == StepSetOption && s.Socket == role.Name {
				opts = append(opts, s.Option)
			}
		})
		for _, o := range opts {
			if !caps.HasOption(o.Name) {
				missing = append(missing, fmt.Sprintf("%s: option %s", d.Name(), o.Name))
			}
		}
		missing = append(missing, securityMissing(role, caps, d.Name())...)
		walkSteps(c.Steps, func(s *Step) {
			if slices.Contains(s.pollRoles(), role.Name) && !caps.HasFeature(drivers.FeaturePoller) {
				missing = append(missing, fmt.Sprintf("%s: poller", d.Name()))
			}
			if s.metadataRole() == role.Name && !caps.HasFeature(drivers.FeatureMetadata) {
				missing = append(missing, fmt.Sprintf("%s: message metadata", d.Name()))
			}
		})
	}
	return strings.Join(dedupe(missing), "; ")
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// violation is a requirement the implementation did not meet.
type violation struct {
	kind     reports.FailKind
	expected []string
	actual   string
	grade    reports.Grade // overrides the case grade when set
	at       Pos
}

// unimplemented is raised when a driver refuses something as unsupported
// mid-run (a capability it did not declare up front).
type unimplemented struct{ reason string }

// runner holds the live state of one case run.
type runner struct {
	c     *Case
	p     Pairing
	t     drivers.Transport
	opts  Options
	start time.Time
	ctx   context.Context

	mu       sync.Mutex
	ctxs     map[string]drivers.Context // by driver name
	sockets  map[string]drivers.Socket  // by role
	closed   map[string]drivers.Socket  // closed by a close step, kept for use-after-close checks
	pending  map[string][]drivers.Msg   // read by a multi-socket step after it had finished
	eps      map[string]string          // symbolic → concrete endpoint
	vars     map[string][]byte
	events   []reports.Event
	first    *violation // first violation wins
	unimpl   *unimplemented
	harness  error // a problem of the harness, not the implementation
	observed []string
	wire     *wireState    // the probe of a wire case (wire.go)
	secrets  []secretValue // generated secrets, kept out of the event log
}

func newRunner(c *Case, p Pairing, t drivers.Transport, opts Options, start time.Time) *runner {
	return &runner{c: c, p: p, t: t, opts: opts, start: start,
		ctxs: map[string]drivers.Context{}, sockets: map[string]drivers.Socket{}, closed: map[string]drivers.Socket{}, pending: map[string][]drivers.Msg{},
		eps: map[string]string{}, vars: map[string][]byte{}}
}

func (r *runner) scale(d time.Duration) time.Duration {
	if r.opts.TimeScale <= 0 || r.opts.TimeScale == 1 {
		return d
	}
	return time.Duration(float64(d) * r.opts.TimeScale)
}

func (r *runner) log(role, op, detail string, err error) {
	detail = r.redact(detail)
	e := reports.Event{At: time.Since(r.start), Role: role, Op: op, Detail: detail}
	if err != nil {
		e.Err = err.Error()
	}
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// fail records v unless an earlier violation exists; it reports whether the
// run should stop.
func (r *runner) fail(v *violation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first == nil && r.unimpl == nil && r.harness == nil {
		r.first = v
	}
}

func (r *runner) stopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first != nil || r.unimpl != nil || r.harness != nil || r.ctx.Err() != nil
}

// observe notes a measurement for INFORMATIONAL output.
func (r *runner) observe(s string) {
	r.mu.Lock()
	r.observed = append(r.observed, s)
	r.mu.Unlock()
}

// callErr turns an error from a setup call into the right outcome:
// unsupported → UNIMPLEMENTED, anything else → FAIL (error).
func (r *runner) callErr(role, op string, err error, at Pos) {
	r.log(role, op, "", err)
	if drivers.KindOf(err) == drivers.KindUnsupported {
		r.mu.Lock()
		if r.unimpl == nil && r.first == nil {
			r.unimpl = &unimplemented{reason: fmt.Sprintf("%s: %s: %v", r.driverFor(role).Name(), op, err)}
		}
		r.mu.Unlock()
		return
	}
	kind := reports.KindError
	switch drivers.KindOf(err) {
	case drivers.KindCrashed:
		kind = reports.KindCrash
	case drivers.KindHung:
		kind = reports.KindHang
	}
	r.fail(&violation{kind: kind, expected: []string{op + " succeeds"}, actual: err.Error(), at: at})
}

func (r *runner) driverFor(role string) drivers.Driver { return roleDriver(r.c, r.p, role) }

// roleDriver is the driver a role runs on: the subject's for the subject
// and for roles on its side, the peer's for the rest.
func roleDriver(c *Case, p Pairing, role string) drivers.Driver {
	if role == c.Subject {
		return p.Subject
	}
	if r := c.role(role); r != nil && r.Side == "subject" {
		return p.Subject
	}
	return p.Peer
}

// context returns the driver context for role, creating it once per
// driver so roles on one driver share it (inproc needs that).
func (r *runner) context(role string) (drivers.Context, error) {
	d := r.driverFor(role)
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.ctxs[d.Name()]; ok {
		return c, nil
	}
	c, err := d.NewContext()
	if err != nil {
		return nil, err
	}
	r.ctxs[d.Name()] = c
	return c, nil
}

func (r *runner) endpoint(name string) (string, error) {
	if name == ZAPEndpointName {
		return drivers.ZAPEndpoint, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e, ok := r.eps[name]; ok {
		return e, nil
	}
	e, err := r.opts.Endpoints.New(r.t)
	if err != nil {
		return "", err
	}
	r.eps[name] = e
	return e, nil
}

func (r *runner) socket(role string) drivers.Socket {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sockets[role]
}

// setup opens every role that is not deferred.
func (r *runner) setup() error {
	if err := makeSecurityVars(r.c, r.vars); err != nil {
		r.harnessErr(err)
		return err
	}
	r.secrets = secretValues(r.c, r.vars)
	if err := r.wireSetup(); err != nil {
		return err
	}
	for _, role := range r.c.Roles {
		if role.Deferred {
			continue
		}
		if !r.open(role, role.Pos) {
			return errors.New("setup failed")
		}
	}
	return nil
}

// open creates role's socket, applies its options, binds and connects.
func (r *runner) open(role *Role, at Pos) bool {
	if r.socket(role.Name) != nil {
		r.harnessErr(fmt.Errorf("%s: open %s: the socket is already open", at, role.Name))
		return false
	}
	cx, err := r.context(role.Name)
	if err != nil {
		r.callErr(role.Name, "new context", err, at)
		return false
	}
	s, err := cx.NewSocket(role.Type)
	if err != nil {
		r.callErr(role.Name, "new socket "+string(role.Type), err, at)
		return false
	}
	r.mu.Lock()
	r.sockets[role.Name] = s
	r.mu.Unlock()
	r.log(role.Name, "open", string(role.Type)+" on "+r.driverFor(role.Name).Name(), nil)
	for _, o := range role.Options {
		if !r.setOption(role.Name, s, o, at) {
			return false
		}
	}
	for _, e := range role.Bind {
		if !r.bindOrConnect(role.Name, s, true, e, at) {
			return false
		}
	}
	for _, e := range role.Connect {
		if !r.bindOrConnect(role.Name, s, false, e, at) {
			return false
		}
	}
	return true
}

func (r *runner) setOption(role string, s drivers.Socket, o OptionSetting, at Pos) bool {
	v := o.Value
	if f, ok := v.(Frame); ok {
		b, err := expand([]Frame{f}, 0, r.vars)
		if err != nil {
			r.harnessErr(fmt.Errorf("%s: %v", at, err))
			return false
		}
		v = b[0]
	}
	detail := fmt.Sprintf("%s=%v", o.Name, v)
	if b, ok := v.([]byte); ok {
		detail = fmt.Sprintf("%s=%s", o.Name, renderFrame(b))
		if secretOption(o.Name) {
			detail = fmt.Sprintf("%s=(%d octets, not logged)", o.Name, len(b))
		}
	}
	if err := s.SetOption(o.Name, v); err != nil {
		r.callErr(role, "setsockopt "+string(o.Name), err, at)
		return false
	}
	r.log(role, "setsockopt", detail, nil)
	return true
}

func (r *runner) bindOrConnect(role string, s drivers.Socket, bind bool, name string, at Pos) bool {
	if r.wireConnect(role, s, bind, name) {
		return true
	}
	ep, err := r.endpoint(name)
	if err != nil {
		r.harnessErr(err)
		return false
	}
	op, call := "connect", s.Connect
	if bind {
		op, call = "bind", s.Bind
	}
	err, returned := bounded(r.scale(dialBound), func() error { return call(ep) })
	if !returned {
		// The driver contract has no deadline on bind/connect, so an
		// implementation that blocks in them is cut off here; its call is
		// abandoned (an isolated spec's process ends soon after).
		r.log(role, op, ep, fmt.Errorf("did not return within %s", r.scale(dialBound)))
		r.fail(&violation{kind: reports.KindHang, expected: []string{op + " returns"}, actual: fmt.Sprintf("%s %s blocked for %s", op, ep, r.scale(dialBound)), at: at})
		return false
	}
	if err != nil {
		r.callErr(role, op+" "+ep, err, at)
		return false
	}
	r.log(role, op, ep, nil)
	return true
}

// dialBound bounds bind and connect, which ZeroMQ makes asynchronous but
// some implementations run synchronously (with retries).
const dialBound = 5 * time.Second

// bounded runs fn and waits at most d for it.
func bounded(d time.Duration, fn func() error) (err error, returned bool) {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err, true
	case <-time.After(d):
		return nil, false
	}
}

func (r *runner) harnessErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.harness == nil && r.first == nil {
		r.harness = err
	}
}

// cleanupBound bounds closing a case's sockets and contexts.
const cleanupBound = 4 * time.Second

// cleanup closes every socket and context, bounded so that a hanging
// implementation cannot stop the run.
func (r *runner) cleanup() {
	r.wireCleanup()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.mu.Lock()
		socks := r.sockets
		ctxs := r.ctxs
		r.sockets = map[string]drivers.Socket{}
		r.mu.Unlock()
		names := make([]string, 0, len(socks))
		for n := range socks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := socks[n].Close(); err != nil && drivers.KindOf(err) != drivers.KindClosed {
				r.log(n, "close", "", err)
			}
		}
		for _, c := range ctxs {
			_ = c.Close()
		}
	}()
	select {
	case <-done:
	case <-time.After(r.scale(cleanupBound)):
		r.log("", "note", fmt.Sprintf("closing sockets and contexts did not finish within %s", r.scale(cleanupBound)), nil)
		r.fail(&violation{kind: reports.KindHang, expected: []string{"close returns"}, actual: fmt.Sprintf("close of sockets/contexts blocked for %s", r.scale(cleanupBound))})
	}
}

// finish grades the run into rec.
func (r *runner) finish(rec *reports.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec.Events = elide(r.events, maxEvents)
	switch {
	case r.harness != nil:
		// A harness problem is not a verdict about the implementation
		// (decisions.md, ruling 1): the suite turns this into a run error.
		rec.Verdict = ""
		rec.Reason = "harness error: " + r.harness.Error()
	case r.unimpl != nil:
		rec.Verdict, rec.Reason = reports.Unimplemented, r.unimpl.reason
	case r.first != nil:
		v := r.first
		g := r.c.Grade
		if v.grade != "" {
			g = v.grade
		}
		rec.Verdict = g.ViolationVerdict()
		if v.kind == reports.KindCrash || v.kind == reports.KindHang {
			rec.Verdict = reports.Fail
		}
		if rec.Verdict != reports.Informational {
			rec.FailKind = v.kind
		}
		rec.Expected, rec.Actual = v.expected, v.actual
		if v.at.Line > 0 {
			rec.Reason = "at " + v.at.String()
		}
		if len(r.observed) > 0 {
			rec.Actual += "; observed: " + strings.Join(r.observed, "; ")
		}
	case errors.Is(r.ctx.Err(), context.DeadlineExceeded):
		rec.Verdict, rec.FailKind = reports.Fail, reports.KindTimeout
		rec.Actual = fmt.Sprintf("the case did not finish within its timeout (%s)", r.scale(r.c.Timeout))
		if g := r.c.Grade; g != reports.Must {
			rec.Verdict = g.ViolationVerdict()
		}
	default:
		rec.Verdict = reports.Pass
		if r.c.Grade == reports.May {
			rec.Verdict = reports.Informational
		}
		if len(r.observed) > 0 {
			rec.Actual = strings.Join(r.observed, "; ")
		}
	}
}

// recvFrom receives on role's socket, first handing out any message a
// concurrent reader took after its step had finished: like a driver's late
// result, it belongs to the next receive, so nothing read is ever lost.
func (r *runner) recvFrom(ctx context.Context, role string, sock drivers.Socket) (drivers.Msg, error) {
	r.mu.Lock()
	if q := r.pending[role]; len(q) > 0 {
		m := q[0]
		r.pending[role] = q[1:]
		r.mu.Unlock()
		return m, nil
	}
	r.mu.Unlock()
	return sock.Recv(ctx)
}

func (r *runner) putPending(role string, m drivers.Msg) {
	r.mu.Lock()
	r.pending[role] = append(r.pending[role], m)
	r.mu.Unlock()
}

// maxEvents bounds a record's event log: a case that sends thousands of
// messages keeps its first and last events and says how many it left out,
// so results files and report pages stay readable.
const maxEvents = 400

func elide(ev []reports.Event, max int) []reports.Event {
	if len(ev) <= max {
		return ev
	}
	half := max / 2
	out := append([]reports.Event(nil), ev[:half]...)
	out = append(out, reports.Event{At: ev[half].At, Op: "note", Detail: fmt.Sprintf("… %d events left out …", len(ev)-2*half)})
	return append(out, ev[len(ev)-half:]...)
}
