package scenarios

import (
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

var (
	caseKeys = []string{"id", "title", "clause", "grade", "requirement", "pattern", "transports", "subject", "timeout", "roles", "steps", "probe", "keys", "secrets"}
	roleKeys = []string{"type", "options", "bind", "connect", "deferred", "side"}
	idRe     = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9]+(-[a-z0-9]+)*)+$`)
	nameRe   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	clauseRe = regexp.MustCompile(`^(RFC (23|24|26|27|28|29|30|31|37)|RFC 28–31|API|ZG) §[A-Z]+-[0-9]+$`)
	patterns = []string{"reqrep", "routing", "pubsub", "pipeline", "pair", "general", "wire", "poller", "lifecycle", "security"}
)

// stepKeys lists the fields each step kind accepts (besides grade).
var stepKeys = map[StepKind][]string{
	StepSend:      {"socket", "frames", "count", "error", "timeout", "at_least", "at_most"},
	StepRecv:      {"socket", "frames", "prefix", "any", "count", "save", "error", "timeout", "at_least", "at_most"},
	StepNoMessage: {"socket", "sockets", "within"},
	StepCollect:   {"sockets", "count", "within", "expect", "reply"},
	StepServe:     {"client", "servers", "frames", "reply", "count", "timeout", "expect"},
	StepSync:      {"from", "to", "probe", "within"},
	StepSetOption: {"socket", "option", "value"},
	StepOpen:      {"socket"},
	StepClose:     {"socket"},
	StepBind:      {"socket", "endpoint"},
	StepConnect:   {"socket", "endpoint"},
	StepSettle:    {"for", "why"},
	StepParallel:  nil, // a list of step lists
	StepRepeat:    {"times", "steps"},
}

var expectKeys = []string{"per_socket", "min_per_socket", "max_per_socket", "round_robin", "in_order", "fair_queue", "no_duplicates", "exactly_once", "same_socket"}

func stepKindNames() []string {
	var s []string
	for k := range stepKeys {
		s = append(s, string(k))
	}
	sort.Strings(s)
	return s
}

// decodeFile decodes every case in one file body: a mapping (one case) or a
// list of cases.
func (d *decoder) decodeFile(body ast.Node) []*Case {
	if s, ok := body.(*ast.SequenceNode); ok {
		if len(s.Values) == 0 {
			d.errorf(body, "empty list: expected at least one case")
		}
		var cases []*Case
		for i, n := range s.Values {
			if c := d.decodeCase(n, fmt.Sprintf("case %d", i+1)); c != nil {
				cases = append(cases, c)
			}
		}
		return cases
	}
	if c := d.decodeCase(body, "case"); c != nil {
		return []*Case{c}
	}
	return nil
}

func (d *decoder) decodeCase(n ast.Node, what string) *Case {
	f, ok := d.fields(n, what, caseKeys...)
	if !ok {
		return nil
	}
	before := d.found
	c := &Case{Pos: d.pos(n), Timeout: 10 * time.Second, Transports: drivers.AllTransports}
	d.require(f, n, what, "id", "title", "clause", "grade", "requirement", "pattern", "subject", "roles", "steps")
	if v, ok := f["id"]; ok {
		if s, ok := d.text(v, what+": id"); ok {
			if !idRe.MatchString(s) {
				d.errorf(v, "%s: id: expected lower-case dotted words such as reqrep.req-round-robin, found %q", what, clip(s))
			}
			c.ID = s
			what = "case " + s
		}
	}
	if v, ok := f["title"]; ok {
		c.Title, _ = d.nonEmptyText(v, what+": title")
	}
	if v, ok := f["requirement"]; ok {
		c.Requirement, _ = d.nonEmptyText(v, what+": requirement")
	}
	if v, ok := f["clause"]; ok {
		if s, ok := d.text(v, what+": clause"); ok {
			if !clauseRe.MatchString(s) {
				d.errorf(v, "%s: clause: expected a checklist id such as \"RFC 28 §REQ-3\" or \"API §TIMEO-1\", found %q", what, clip(s))
			}
			c.Clause = s
		}
	}
	if v, ok := f["grade"]; ok {
		c.Grade = d.grade(v, what)
	}
	if v, ok := f["pattern"]; ok {
		if s, ok := d.text(v, what+": pattern"); ok {
			if !contains(patterns, s) {
				d.errorf(v, "%s: pattern: unknown pattern %q (valid: %s)", what, clip(s), strings.Join(patterns, ", "))
			}
			c.Pattern = s
		}
	}
	if v, ok := f["transports"]; ok {
		c.Transports = nil
		for _, t := range d.seq(v, what+": transports") {
			if s, ok := d.text(t, what+": transports"); ok {
				tr, err := drivers.ParseTransport(s)
				if err != nil {
					d.errorf(t, "%s: transports: %v", what, err)
					continue
				}
				if contains(c.Transports, tr) {
					d.errorf(t, "%s: transports: %s listed twice", what, tr)
				}
				c.Transports = append(c.Transports, tr)
			}
		}
		if isEmptySeq(v) {
			d.errorf(v, "%s: transports: expected at least one of tcp, ipc, inproc", what)
		}
	}
	if v, ok := f["timeout"]; ok {
		c.Timeout, _ = d.duration(v, what+": timeout")
	}
	if v, ok := f["roles"]; ok {
		for _, mv := range d.mappingEntries(v, what+": roles") {
			c.Roles = append(c.Roles, d.decodeRole(mv, what))
		}
		if m, ok := unwrap(v).(*ast.MappingNode); ok && len(m.Values) == 0 {
			d.errorf(v, "%s: roles: expected at least one role", what)
		}
	}
	if v, ok := f["subject"]; ok {
		if s, ok := d.text(v, what+": subject"); ok {
			c.Subject = s
			if c.role(s) == nil && len(c.Roles) > 0 {
				d.errorf(v, "%s: subject: %q is not a role (roles: %s)", what, clip(s), strings.Join(c.roleNames(), ", "))
			}
		}
	}
	if v, ok := f["steps"]; ok {
		c.Steps = d.decodeSteps(v, c, what, 0)
		if isEmptySeq(v) {
			d.errorf(v, "%s: steps: expected at least one step", what)
		}
	}
	if v, ok := f["probe"]; ok {
		c.Probe = d.decodeProbe(v, what)
	}
	if v, ok := f["keys"]; ok {
		c.Keys = d.decodeNames(v, what+": keys")
	}
	if v, ok := f["secrets"]; ok {
		c.Secrets = d.decodeNames(v, what+": secrets")
	}
	d.checkWire(c, n, what)
	if d.found == before {
		// Only a case that decoded cleanly is complete enough to
		// cross-check; otherwise this would repeat earlier problems.
		d.checkEndpoints(c, what)
		d.checkRolesUsed(c, what)
	}
	if d.found > before {
		return nil
	}
	return c
}

func (d *decoder) grade(v ast.Node, what string) reports.Grade {
	s, ok := d.text(v, what+": grade")
	if !ok {
		return ""
	}
	switch g := reports.Grade(s); g {
	case reports.Must, reports.Should, reports.May:
		return g
	}
	d.errorf(v, "%s: grade: expected MUST, SHOULD or MAY, found %q", what, clip(s))
	return ""
}

// decodeRole decodes one role. It returns the role even when it is
// broken, so that steps naming it are not reported as well.
func (d *decoder) decodeRole(mv *ast.MappingValueNode, what string) *Role {
	name := keyText(mv.Key)
	r := &Role{Name: name, Pos: d.pos(mv.Key)}
	if !nameRe.MatchString(name) {
		d.errorf(mv.Key, "%s: role name %q: expected a lower-case identifier such as rep1", what, clip(name))
	}
	w := what + ": role " + clip(name)
	f, ok := d.fields(mv.Value, w, roleKeys...)
	if !ok {
		return r
	}
	if v, ok := f["type"]; ok {
		if s, ok := d.text(v, w+": type"); ok {
			t, err := drivers.ParseSocketType(s)
			if err != nil {
				d.errorf(v, "%s: type: %v", w, err)
			}
			r.Type = t
		}
	} else {
		d.require(f, mv.Value, w, "type")
	}
	if v, ok := f["options"]; ok {
		for _, o := range d.mappingEntries(v, w+": options") {
			if s, ok := d.option(o.Key, o.Value, w); ok {
				r.Options = append(r.Options, s)
			}
		}
	}
	for _, k := range []string{"bind", "connect"} {
		v, ok := f[k]
		if !ok {
			continue
		}
		for _, e := range d.seqOrOne(v) {
			s, ok := d.text(e, w+": "+k)
			if !ok {
				continue
			}
			if !nameRe.MatchString(s) {
				// Still recorded below: the name is wrong, the
				// binding is not missing.
				d.errorf(e, "%s: %s: endpoint names are symbolic identifiers such as ep1, found %q", w, k, clip(s))
			}
			if k == "bind" {
				r.Bind = append(r.Bind, s)
			} else {
				r.Connect = append(r.Connect, s)
			}
		}
	}
	if v, ok := f["deferred"]; ok {
		r.Deferred, _ = d.boolean(v, w+": deferred")
	}
	if v, ok := f["side"]; ok {
		if s, ok := d.text(v, w+": side"); ok {
			if s != "subject" && s != "peer" {
				d.errorf(v, "%s: side: expected subject or peer, found %q", w, clip(s))
			}
			r.Side = s
		}
	}
	return r
}

// option decodes one option setting, checking its name and value type.
func (d *decoder) option(key, val ast.Node, what string) (OptionSetting, bool) {
	name := drivers.Option(strings.ToUpper(keyText(key)))
	kind, known := drivers.KnownOptions[name]
	if !known {
		d.errorf(key, "%s: unknown option %q (valid: %s)", what, clip(keyText(key)), joinOptions())
		return OptionSetting{}, false
	}
	switch kind {
	case drivers.IntOption:
		i, ok := d.integer(val, what+": "+string(name), -1, 1<<30)
		return OptionSetting{Name: name, Value: i}, ok
	case drivers.BoolOption:
		if b, ok := unwrap(val).(*ast.BoolNode); ok {
			return OptionSetting{Name: name, Value: boolInt(b.Value)}, true
		}
		i, ok := d.integer(val, what+": "+string(name)+" (true/false or 0/1)", 0, 1)
		return OptionSetting{Name: name, Value: i}, ok
	default:
		fr, ok := d.frame(val, what+": "+string(name))
		if !ok {
			return OptionSetting{}, false
		}
		return OptionSetting{Name: name, Value: fr}, true
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func joinOptions() string {
	var s []string
	for _, o := range drivers.OptionNames() {
		s = append(s, string(o))
	}
	return strings.Join(s, ", ")
}

// frame decodes a frame template: a string, {hex: "00ff"} or {size: N}.
func (d *decoder) frame(n ast.Node, what string) (Frame, bool) {
	if m, ok := unwrap(n).(*ast.MappingNode); ok {
		if len(m.Values) == 0 {
			d.errorf(n, "%s: expected a frame: a string, {hex: ...} or {size: N}, found an empty mapping", what)
			return Frame{}, false
		}
		f, _ := d.fields(m, what, "hex", "size")
		if len(f) != 1 {
			if len(f) > 1 {
				d.errorf(n, "%s: a frame is a string, {hex: ...} or {size: N}, not both", what)
			}
			return Frame{}, false
		}
		if v, ok := f["hex"]; ok {
			s, ok := d.str(v, what+": hex")
			if !ok {
				return Frame{}, false
			}
			b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
			if err != nil {
				d.errorf(v, "%s: hex: expected pairs of hex digits, found %q", what, clip(s))
				return Frame{}, false
			}
			return Frame{Raw: b, IsRaw: true}, true
		}
		size, ok := d.integer(f["size"], what+": size", 0, maxFrameSize)
		if !ok {
			return Frame{}, false
		}
		return Frame{Raw: patternBytes(size), IsRaw: true}, true
	}
	s, ok := d.str(n, what)
	return Frame{Text: s}, ok
}

// pattern holds the content of every {size: N} frame: deterministic,
// non-constant bytes (a–z repeated) so a corrupted or shifted byte shows
// up in comparisons. All frames share it, each a capacity-limited prefix,
// so a file of a thousand 64 MiB frames costs 64 MiB, not 64 GiB, and the
// cost (a fresh 64 MiB takes most of a second on a loaded machine) is
// paid once per process rather than per file. Frame.Raw is never
// written to, by the loader or the interpreter.
var pattern struct {
	sync.Mutex
	buf []byte
}

// patternBytes returns n bytes of the pattern. The buffer at least doubles
// when it grows, so growing sizes cost at most twice the largest.
func patternBytes(n int) []byte {
	pattern.Lock()
	defer pattern.Unlock()
	if n > len(pattern.buf) {
		b := make([]byte, max(n, min(2*len(pattern.buf), maxFrameSize)))
		for i := 0; i < len(b) && i < 26; i++ {
			b[i] = byte('a' + i)
		}
		// Doubling copies keep the period: 26 divides every filled length.
		for filled := 26; filled < len(b); filled *= 2 {
			copy(b[filled:], b[:filled])
		}
		pattern.buf = b
	}
	return pattern.buf[:n:n]
}

// isEmptySeq tells whether n is a list with no items.
func isEmptySeq(n ast.Node) bool {
	s, ok := unwrap(n).(*ast.SequenceNode)
	return ok && len(s.Values) == 0
}

func (d *decoder) frames(n ast.Node, what string) []Frame {
	var out []Frame
	for _, e := range d.seq(n, what) {
		if f, ok := d.frame(e, what); ok {
			out = append(out, f)
		}
	}
	return out
}
