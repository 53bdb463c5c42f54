package scenarios

import (
	"fmt"
	"strings"

	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/zharness/zharness/drivers"
)

func (c *Case) role(name string) *Role {
	for _, r := range c.Roles {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (c *Case) roleNames() []string {
	var s []string
	for _, r := range c.Roles {
		s = append(s, r.Name)
	}
	return s
}

// decodeSteps decodes a list of steps. Each step is a mapping with exactly
// one step-kind key (plus an optional grade).
func (d *decoder) decodeSteps(n ast.Node, c *Case, what string, depth int) []*Step {
	if depth > maxDepth {
		d.errorf(n, "%s: steps nested deeper than %d levels", what, maxDepth)
		return nil
	}
	var out []*Step
	for i, sn := range d.seq(n, what+": steps") {
		if s := d.decodeStep(sn, c, fmt.Sprintf("%s: step %d", what, i+1), depth); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (d *decoder) decodeStep(n ast.Node, c *Case, what string, depth int) *Step {
	entries := d.mappingEntries(n, what)
	if entries == nil {
		return nil
	}
	s := &Step{Pos: d.pos(n)}
	var body ast.Node
	for _, mv := range entries {
		k := keyText(mv.Key)
		if k == "grade" {
			s.Grade = d.grade(mv.Value, what)
			continue
		}
		if _, ok := stepKeys[StepKind(k)]; !ok {
			hint := ""
			if guess := nearest(k, stepKindNames()); guess != "" {
				hint = fmt.Sprintf("did you mean %q? ", guess)
			}
			d.errorf(mv.Key, "%s: unknown step %q (%svalid: %s)", what, clip(k), hint, strings.Join(stepKindNames(), ", "))
			return nil
		}
		if s.Kind != "" {
			d.errorf(mv.Key, "%s: one step per list item; found both %q and %q", what, s.Kind, k)
			return nil
		}
		s.Kind, body = StepKind(k), mv.Value
	}
	if s.Kind == "" {
		d.errorf(n, "%s: expected a step kind (%s)", what, strings.Join(stepKindNames(), ", "))
		return nil
	}
	what += " (" + string(s.Kind) + ")"
	switch s.Kind {
	case StepParallel:
		branches := d.seq(body, what)
		for i, b := range branches {
			bw := fmt.Sprintf("%s branch %d", what, i+1)
			s.Branches = append(s.Branches, d.decodeSteps(b, c, bw, depth+1))
			if isEmptySeq(b) {
				d.errorf(b, "%s: expected at least one step", bw)
			}
		}
		if branches != nil && len(branches) < 2 {
			d.errorf(body, "%s: expected at least two branches", what)
		}
		return s
	case StepSettle:
		f, ok := d.fields(body, what, stepKeys[s.Kind]...)
		if !ok {
			return nil
		}
		if v, ok := f["for"]; ok {
			s.Duration, _ = d.duration(v, what+": for")
		} else {
			d.require(f, body, what, "for")
		}
		if v, ok := f["why"]; ok {
			s.Why, _ = d.nonEmptyText(v, what+": why")
		} else if d.absent(f, body, "why") {
			// decisions.md ruling 5: a fixed delay only where no signal
			// exists, with the reason written down.
			d.errorf(body, "%s: missing required key \"why\": say why no observable signal can replace this delay", what)
		}
		return s
	}
	// open/close/terminate accept a bare role name.
	if s.Kind == StepOpen || s.Kind == StepClose || s.Kind == StepTerminate {
		if _, isMap := unwrap(body).(*ast.MappingNode); !isMap {
			s.Socket = d.roleRef(body, c, what)
			return s
		}
	}
	f, ok := d.fields(body, what, stepKeys[s.Kind]...)
	if !ok {
		return nil
	}
	if isWireKind(s.Kind) {
		d.wireStep(s, f, body, c, what)
		return s
	}
	d.stepFields(s, f, body, c, what, depth)
	switch s.Kind {
	case StepPoll, StepPollTimeout, StepTerminate:
		d.pollFields(s, f, body, c, what)
	}
	return s
}

func (d *decoder) roleRef(n ast.Node, c *Case, what string) string {
	s, ok := d.text(n, what)
	if !ok {
		return ""
	}
	// Without roles (missing or broken) every name would be reported;
	// the roles problem is the one to fix.
	if c.role(s) == nil && len(c.Roles) > 0 {
		d.errorf(n, "%s: %q is not a role of this case (roles: %s)", what, clip(s), strings.Join(c.roleNames(), ", "))
	}
	return s
}

func (d *decoder) roleRefs(n ast.Node, c *Case, what string) []string {
	var out []string
	for _, e := range d.seqOrOne(n) {
		if r := d.roleRef(e, c, what); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func (d *decoder) stepFields(s *Step, f map[string]ast.Node, body ast.Node, c *Case, what string, depth int) {
	if v, ok := f["socket"]; ok {
		s.Socket = d.roleRef(v, c, what+": socket")
	}
	if v, ok := f["sockets"]; ok {
		s.Sockets = d.roleRefs(v, c, what+": sockets")
	}
	if v, ok := f["servers"]; ok {
		s.Sockets = d.roleRefs(v, c, what+": servers")
	}
	if v, ok := f["client"]; ok {
		s.Socket = d.roleRef(v, c, what+": client")
	}
	if v, ok := f["from"]; ok {
		s.From = d.roleRef(v, c, what+": from")
	}
	if v, ok := f["to"]; ok {
		s.To = d.roleRefs(v, c, what+": to")
	}
	if v, ok := f["frames"]; ok {
		s.Frames = d.frames(v, what+": frames")
	}
	if v, ok := f["prefix"]; ok {
		s.Prefix = d.frames(v, what+": prefix")
	}
	if v, ok := f["reply"]; ok {
		s.Reply = d.frames(v, what+": reply")
	}
	if v, ok := f["count"]; ok {
		s.Count, _ = d.integer(v, what+": count", 1, maxCount)
	}
	if v, ok := f["times"]; ok {
		s.Times, _ = d.integer(v, what+": times", 1, 10_000)
	}
	if v, ok := f["any"]; ok {
		if b, ok := d.boolean(v, what+": any"); ok && !b {
			d.errorf(v, "%s: any: only `any: true` makes sense; leave it out otherwise", what)
		}
	}
	if v, ok := f["probe"]; ok {
		if p, ok := d.str(v, what+": probe"); ok && p == "" {
			d.errorf(v, "%s: probe: must not be empty", what)
		} else {
			s.Probe = p
		}
	}
	if v, ok := f["endpoint"]; ok {
		if e, ok := d.text(v, what+": endpoint"); ok {
			if !nameRe.MatchString(e) {
				d.errorf(v, "%s: endpoint: expected a symbolic name such as ep1, found %q", what, clip(e))
			}
			s.Endpoint = e
		}
	}
	// Fixed order, so problems come out the same way every run.
	for _, df := range []struct {
		key string
		p   *time.Duration
	}{{"timeout", &s.Timeout}, {"at_least", &s.AtLeast}, {"at_most", &s.AtMost}, {"within", &s.Within}} {
		if v, ok := f[df.key]; ok {
			*df.p, _ = d.duration(v, what+": "+df.key)
		}
	}
	if v, ok := f["error"]; ok {
		for _, e := range d.seqOrOne(v) {
			k, ok := d.text(e, what+": error")
			if !ok {
				continue
			}
			if k != "any" && k != "ok" {
				if _, err := drivers.ParseKind(k); err != nil {
					d.errorf(e, "%s: error: %v (or \"any\"; \"ok\" allows success too)", what, err)
					continue
				}
			}
			s.Errors = append(s.Errors, k)
		}
	}
	if v, ok := f["save"]; ok {
		s.Save = map[string]int{}
		for _, mv := range d.mappingEntries(v, what+": save") {
			name := keyText(mv.Key)
			if !nameRe.MatchString(name) {
				d.errorf(mv.Key, "%s: save: variable names are identifiers such as id1, found %q", what, clip(name))
			}
			s.Save[name], _ = d.integer(mv.Value, what+": save "+name+" (frame index)", 0, 1000)
		}
	}
	if v, ok := f["option"]; ok {
		val, hasVal := f["value"]
		if !hasVal {
			d.require(f, body, what, "value")
		} else {
			s.Option, _ = d.option(v, val, what)
		}
	}
	if v, ok := f["expect"]; ok {
		s.Expect = d.expect(v, what+": expect")
	}
	if v, ok := f["metadata"]; ok {
		s.Metadata = d.decodeMetadata(v, what+": metadata")
	}
	if v, ok := f["steps"]; ok {
		s.Body = d.decodeSteps(v, c, what, depth+1)
		if isEmptySeq(v) {
			d.errorf(v, "%s: steps: expected at least one step", what)
		}
	}
	d.checkStep(s, f, body, c, what)
}

func (d *decoder) expect(n ast.Node, what string) Expect {
	var e Expect
	f, ok := d.fields(n, what, expectKeys...)
	if !ok {
		return e
	}
	// Slices, not maps: problems come out in the same order every run.
	ints := []struct {
		key string
		p   *int
	}{{"per_socket", &e.PerSocket}, {"min_per_socket", &e.MinPerSocket}, {"max_per_socket", &e.MaxPerSocket}, {"fair_queue", &e.FairQueue}}
	for _, x := range ints {
		if v, ok := f[x.key]; ok {
			*x.p, _ = d.integer(v, what+": "+x.key, 1, maxCount)
		}
	}
	bools := []struct {
		key string
		p   *bool
	}{{"round_robin", &e.RoundRobin}, {"in_order", &e.InOrder}, {"no_duplicates", &e.NoDuplicates}, {"exactly_once", &e.ExactlyOnce}, {"same_socket", &e.SameSocket}}
	for _, x := range bools {
		if v, ok := f[x.key]; ok {
			*x.p, _ = d.boolean(v, what+": "+x.key)
		}
	}
	return e
}

// checkStep enforces each kind's required fields and combinations.
func (d *decoder) checkStep(s *Step, f map[string]ast.Node, body ast.Node, c *Case, what string) {
	switch s.Kind {
	case StepSend:
		d.require(f, body, what, "socket", "frames")
	case StepRecv:
		d.require(f, body, what, "socket")
		n := 0
		for _, k := range []string{"frames", "prefix", "any", "error"} {
			if _, ok := f[k]; ok {
				n++
			}
		}
		if n != 1 {
			d.errorf(body, "%s: expected exactly one of frames, prefix, any: true, or error", what)
		}
	case StepNoMessage:
		d.require(f, body, what, "within")
		if (s.Socket == "") == (len(s.Sockets) == 0) {
			d.errorf(body, "%s: expected socket or sockets (one of them)", what)
		}
		if s.Socket != "" {
			s.Sockets, s.Socket = []string{s.Socket}, ""
		}
	case StepCollect:
		d.require(f, body, what, "sockets", "count")
	case StepServe:
		d.require(f, body, what, "client", "servers", "frames", "reply", "count")
	case StepSync:
		d.require(f, body, what, "from", "to", "probe")
	case StepSetOption:
		d.require(f, body, what, "socket", "option")
	case StepOpen, StepClose:
		d.require(f, body, what, "socket")
	case StepBind, StepConnect:
		d.require(f, body, what, "socket", "endpoint")
	case StepRepeat:
		d.require(f, body, what, "times", "steps")
	}
	if len(s.Errors) > 0 && (s.Kind == StepRecv || s.Kind == StepSend) && s.Count > 1 {
		d.errorf(body, "%s: error with count > 1 is ambiguous; use repeat", what)
	}
	if s.AtMost > 0 && s.AtLeast > s.AtMost {
		d.errorf(body, "%s: at_least (%s) is greater than at_most (%s)", what, s.AtLeast, s.AtMost)
	}
}

// checkEndpoints requires every symbolic endpoint a role or a connect
// step connects to to be bound by some role or bind step.
func (d *decoder) checkEndpoints(c *Case, what string) {
	bound := map[string]bool{}
	for _, r := range c.Roles {
		for _, e := range r.Bind {
			bound[e] = true
		}
	}
	if c.Probe != nil && c.Probe.Listen != "" {
		bound[c.Probe.Listen] = true // the probe binds it (wire.go)
	}
	walkSteps(c.Steps, func(s *Step) {
		if s.Kind == StepBind {
			bound[s.Endpoint] = true
		}
	})
	for _, r := range c.Roles {
		for _, e := range r.Connect {
			if !bound[e] {
				d.add(r.Pos, fmt.Sprintf("%s: role %s connects to %q, which no role or step binds", what, r.Name, e))
			}
		}
	}
	walkSteps(c.Steps, func(s *Step) {
		if s.Kind == StepConnect && !bound[s.Endpoint] {
			d.add(s.Pos, fmt.Sprintf("%s: connect step: %s connects to %q, which no role or step binds", what, s.Socket, s.Endpoint))
		}
	})
}

// checkRolesUsed refuses a role that can play no part: no endpoint, not
// the subject, named by no step. It is usually a typo elsewhere. (A
// deferred role never opened is allowed: it can reserve an endpoint that
// nobody listens on.)
func (d *decoder) checkRolesUsed(c *Case, what string) {
	named := map[string]bool{c.Subject: true}
	walkSteps(c.Steps, func(s *Step) {
		for _, n := range append(append(append([]string{s.Socket, s.From}, s.Sockets...), s.To...), s.pollRoles()...) {
			named[n] = true
		}
	})
	for _, r := range c.Roles {
		if !named[r.Name] && len(r.Bind) == 0 && len(r.Connect) == 0 {
			d.add(r.Pos, fmt.Sprintf("%s: role %s is never used: it binds and connects nothing and no step names it", what, r.Name))
		}
	}
}

// walkSteps visits every step, including nested ones.
func walkSteps(steps []*Step, fn func(*Step)) {
	for _, s := range steps {
		fn(s)
		for _, b := range s.Branches {
			walkSteps(b, fn)
		}
		walkSteps(s.Body, fn)
	}
}
