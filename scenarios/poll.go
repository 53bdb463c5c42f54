package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// Poller and context steps (FORMAT.md, "Poller"):
//
//	poll:         {items: {pull: in, sub: in}, ready: {pull: in}, timeout: 2s}
//	poll_timeout: {items: {pull: in}, within: 300ms}
//	terminate:    pull          # closes the context the role's socket lives in
//	terminate:    {socket: pull, within: 500ms}   # … and must return within 500 ms
const (
	StepPoll        StepKind = "poll"
	StepPollTimeout StepKind = "poll_timeout"
	StepTerminate   StepKind = "terminate"
)

func init() {
	stepKeys[StepPoll] = []string{"items", "ready", "timeout"}
	stepKeys[StepPollTimeout] = []string{"items", "within"}
	stepKeys[StepTerminate] = []string{"socket", "within"}
}

// PollSpec is one role of a poll step and its events.
type PollSpec struct {
	Role   string
	Events drivers.PollEvents
}

// pollJitter is how much earlier than its deadline a poll that found
// nothing may return: zmq_poll counts whole milliseconds.
const pollJitter = 2 * time.Millisecond

// decodePollSpecs reads a mapping of role → "in", "out" or "in out".
func (d *decoder) decodePollSpecs(n ast.Node, c *Case, what string) []PollSpec {
	var out []PollSpec
	for _, mv := range d.mappingEntries(n, what) {
		role := keyText(mv.Key)
		if c.role(role) == nil && len(c.Roles) > 0 {
			d.errorf(mv.Key, "%s: %q is not a role of this case (roles: %s)", what, clip(role), strings.Join(c.roleNames(), ", "))
			continue
		}
		txt, ok := d.text(mv.Value, what+": "+role)
		if !ok {
			continue
		}
		var ev drivers.PollEvents
		for _, w := range strings.Fields(strings.ReplaceAll(txt, "|", " ")) {
			switch w {
			case "in":
				ev |= drivers.PollIn
			case "out":
				ev |= drivers.PollOut
			default:
				d.errorf(mv.Value, "%s: %s: expected in, out or \"in out\", found %q", what, role, clip(txt))
			}
		}
		out = append(out, PollSpec{Role: role, Events: ev})
	}
	return out
}

// pollFields decodes the poll steps' own fields; stepFields has done the
// common ones (timeout, within, socket).
func (d *decoder) pollFields(s *Step, f map[string]ast.Node, body ast.Node, c *Case, what string) {
	switch s.Kind {
	case StepPoll:
		d.require(f, body, what, "items", "ready")
	case StepPollTimeout:
		d.require(f, body, what, "items", "within")
	case StepTerminate:
		d.require(f, body, what, "socket")
		return
	}
	if v, ok := f["items"]; ok {
		s.Poll = d.decodePollSpecs(v, c, what+": items")
		if len(s.Poll) == 0 {
			d.errorf(v, "%s: items: expected at least one role", what)
		}
	}
	if v, ok := f["ready"]; ok {
		if isEmptySeq(v) {
			return // ready: [] — expect nothing ready (same as poll_timeout without the timing)
		}
		s.Ready = d.decodePollSpecs(v, c, what+": ready")
		asked := map[string]drivers.PollEvents{}
		for _, p := range s.Poll {
			asked[p.Role] = p.Events
		}
		for _, r := range s.Ready {
			if r.Events&^asked[r.Role] != 0 {
				d.errorf(v, "%s: ready: %s %s was not asked for in items", what, r.Role, r.Events)
			}
		}
	}
}

// pollRoles lists the roles a step polls, for the capability gate.
func (s *Step) pollRoles() []string {
	var out []string
	for _, p := range s.Poll {
		out = append(out, p.Role)
	}
	return out
}

// poll runs a poll or poll_timeout step.
func (r *runner) poll(s *Step) {
	poller, items, ok := r.pollItems(s)
	if !ok {
		return
	}
	want := r.want(s)
	if s.Kind == StepPollTimeout {
		within := r.scale(s.Within)
		ctx, cancel := context.WithTimeout(r.ctx, within)
		defer cancel()
		start := time.Now()
		got, err := poller.Poll(ctx, items)
		took := time.Since(start)
		r.log("", "poll", fmt.Sprintf("%s → %s after %s", r.describe(s.Poll), r.describeGot(s.Poll, got), took.Round(time.Millisecond)), err)
		switch {
		case err != nil:
			r.pollErr(s, err)
		case !allNone(got):
			r.fail(&violation{kind: reports.KindMismatch, expected: []string{"nothing ready within " + within.String()}, actual: r.describeGot(s.Poll, got) + " ready", grade: s.Grade, at: s.Pos})
		case took < within-pollJitter:
			r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("poll returns no earlier than %s", within)}, actual: fmt.Sprintf("returned with nothing ready after %s", took.Round(time.Millisecond)), grade: s.Grade, at: s.Pos})
		}
		return
	}
	ctx, cancel := r.callCtx(s.Timeout)
	defer cancel()
	timeout := s.Timeout
	if timeout == 0 {
		timeout = Tw
	}
	// Readiness is level-triggered: poll again while what is ready is a
	// part of what is expected, until all of it is or the time is up.
	for {
		start := time.Now()
		got, err := poller.Poll(ctx, items)
		r.log("", "poll", fmt.Sprintf("%s → %s after %s", r.describe(s.Poll), r.describeGot(s.Poll, got), time.Since(start).Round(time.Millisecond)), err)
		if err != nil {
			r.pollErr(s, err)
			return
		}
		extra, missing := compareReady(got, want)
		switch {
		case extra:
			r.fail(&violation{kind: reports.KindMismatch, expected: []string{"ready: " + r.describeGot(s.Poll, want)}, actual: "ready: " + r.describeGot(s.Poll, got), grade: s.Grade, at: s.Pos})
			return
		case !missing:
			return
		case ctx.Err() != nil || r.ctx.Err() != nil:
			r.fail(&violation{kind: reports.KindTimeout, expected: []string{fmt.Sprintf("ready within %s: %s", r.scale(timeout), r.describeGot(s.Poll, want))}, actual: "ready: " + r.describeGot(s.Poll, got), grade: s.Grade, at: s.Pos})
			return
		}
		if allNone(got) {
			continue // the poll waited out nothing: its deadline is ctx's, so this is the end next round
		}
		// Something expected is ready and the rest is not yet: wait a
		// little for the rest without spinning on the ready part.
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
		}
	}
}

// pollItems resolves a step's roles to one context's poller and items.
func (r *runner) pollItems(s *Step) (drivers.Poller, []drivers.PollItem, bool) {
	var cx drivers.Context
	items := make([]drivers.PollItem, 0, len(s.Poll))
	for _, p := range s.Poll {
		sock := r.live(p.Role, s.Pos)
		if sock == nil {
			return nil, nil, false
		}
		r.mu.Lock()
		held := len(r.pending[p.Role])
		c := r.ctxs[r.driverFor(p.Role).Name()]
		r.mu.Unlock()
		if held > 0 {
			r.harnessErr(fmt.Errorf("%s: poll: the harness holds %d message(s) of %s read by an earlier step; poll would not see them", s.Pos, held, p.Role))
			return nil, nil, false
		}
		if cx != nil && c != cx {
			r.harnessErr(fmt.Errorf("%s: poll: %s is in another context than %s; give the roles the same side", s.Pos, p.Role, s.Poll[0].Role))
			return nil, nil, false
		}
		cx = c
		items = append(items, drivers.PollItem{Socket: sock, Events: p.Events})
	}
	poller, ok := cx.(drivers.Poller)
	if !ok {
		r.mu.Lock()
		if r.unimpl == nil && r.first == nil {
			r.unimpl = &unimplemented{reason: r.driverFor(s.Poll[0].Role).Name() + ": no poller"}
		}
		r.mu.Unlock()
		return nil, nil, false
	}
	return poller, items, true
}

func (r *runner) pollErr(s *Step, err error) {
	if drivers.KindOf(err) == drivers.KindUnsupported {
		r.callErr(s.Poll[0].Role, "poll", err, s.Pos)
		return
	}
	kind := reports.KindError
	switch drivers.KindOf(err) {
	case drivers.KindCrashed:
		kind = reports.KindCrash
	case drivers.KindHung:
		kind = reports.KindHang
	}
	r.fail(&violation{kind: kind, expected: []string{"poll succeeds"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
}

// want is the expected ready set, aligned with the step's items.
func (r *runner) want(s *Step) []drivers.PollEvents {
	want := make([]drivers.PollEvents, len(s.Poll))
	for i, p := range s.Poll {
		for _, rd := range s.Ready {
			if rd.Role == p.Role {
				want[i] |= rd.Events
			}
		}
	}
	return want
}

// compareReady says whether got has an event want lacks, and whether want
// has one got lacks.
func compareReady(got, want []drivers.PollEvents) (extra, missing bool) {
	for i := range want {
		extra = extra || got[i]&^want[i] != 0
		missing = missing || want[i]&^got[i] != 0
	}
	return extra, missing
}

func allNone(got []drivers.PollEvents) bool {
	for _, e := range got {
		if e != 0 {
			return false
		}
	}
	return true
}

func (r *runner) describe(specs []PollSpec) string {
	parts := make([]string, len(specs))
	for i, p := range specs {
		parts[i] = p.Role + "?" + p.Events.String()
	}
	return strings.Join(parts, " ")
}

func (r *runner) describeGot(specs []PollSpec, got []drivers.PollEvents) string {
	var parts []string
	for i, e := range got {
		if e != 0 && i < len(specs) {
			parts = append(parts, specs[i].Role+":"+e.String())
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// terminate closes the context that role's socket belongs to, with every
// socket in it: the sockets' roles are closed from then on (a step that
// expects the closed kind may still use them), and a call blocked in
// another branch must return.
func (r *runner) terminate(s *Step) {
	name := r.driverFor(s.Socket).Name()
	r.mu.Lock()
	cx := r.ctxs[name]
	delete(r.ctxs, name)
	for role, sock := range r.sockets {
		if r.driverFor(role).Name() == name {
			r.closed[role] = sock
			delete(r.sockets, role)
		}
	}
	r.mu.Unlock()
	if cx == nil {
		r.harnessErr(fmt.Errorf("%s: terminate: %s has no open context", s.Pos, s.Socket))
		return
	}
	bound, kind := r.scale(cleanupBound), reports.KindHang
	if s.Within > 0 {
		bound, kind = r.scale(s.Within), reports.KindTimeout
	}
	start := time.Now()
	err, returned := bounded(bound, cx.Close)
	took := time.Since(start).Round(time.Millisecond)
	if !returned {
		r.log(s.Socket, "terminate", name, fmt.Errorf("did not return within %s", bound))
		r.fail(&violation{kind: kind, expected: []string{fmt.Sprintf("context terminate returns within %s", bound)}, actual: fmt.Sprintf("still blocked after %s", bound), grade: s.Grade, at: s.Pos})
		return
	}
	r.log(s.Socket, "terminate", fmt.Sprintf("%s context in %s", name, took), err)
	if err != nil {
		r.fail(&violation{kind: reports.KindError, expected: []string{"context terminate succeeds"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
	}
}
