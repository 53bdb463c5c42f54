package scenarios

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Limits that keep a hostile or broken file from exhausting the run.
const (
	maxFileSize = 1 << 20 // a scenario file is a few KiB; 1 MiB is absurd already
	maxCount    = 1_000_000
	maxDuration = 10 * time.Minute
	maxDepth    = 8 // nested parallel/repeat
)

// Problem is one validation error at a position.
type Problem struct {
	Pos Pos
	Msg string
}

func (p *Problem) Error() string { return p.Pos.String() + ": " + p.Msg }

// ErrInvalid is matched (errors.Is) by every validation error Load returns.
var ErrInvalid = errors.New("invalid scenario")

// Is lets errors.Is(err, ErrInvalid) find problems inside a joined error.
func (p *Problem) Is(target error) bool { return target == ErrInvalid }

// decoder walks a goccy AST, collecting every problem instead of stopping
// at the first, so a user fixes a file in one pass.
type decoder struct {
	file     string
	problems []error
}

func (d *decoder) pos(n ast.Node) Pos {
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return Pos{File: d.file}
	}
	p := n.GetToken().Position
	return Pos{File: d.file, Line: p.Line, Col: p.Column}
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	d.problems = append(d.problems, &Problem{Pos: d.pos(n), Msg: fmt.Sprintf(format, args...)})
}

// parse turns bytes into a document body, rejecting anchors and aliases
// (a YAML bomb needs them, and scenarios have no use for them).
func (d *decoder) parse(data []byte) ast.Node {
	if len(data) > maxFileSize {
		d.problems = append(d.problems, &Problem{Pos: Pos{File: d.file}, Msg: fmt.Sprintf("file is %d bytes; scenario files are limited to %d", len(data), maxFileSize)})
		return nil
	}
	if bytesHaveNUL(data) {
		d.problems = append(d.problems, &Problem{Pos: Pos{File: d.file, Line: 1, Col: 1}, Msg: "binary data: expected a YAML text file"})
		return nil
	}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
			p := ye.GetToken().Position
			d.problems = append(d.problems, &Problem{Pos: Pos{File: d.file, Line: p.Line, Col: p.Column}, Msg: "YAML syntax: " + ye.GetMessage()})
		} else {
			d.problems = append(d.problems, &Problem{Pos: Pos{File: d.file}, Msg: "YAML syntax: " + err.Error()})
		}
		return nil
	}
	if len(f.Docs) != 1 {
		d.problems = append(d.problems, &Problem{Pos: Pos{File: d.file, Line: 1, Col: 1}, Msg: fmt.Sprintf("expected exactly one YAML document, found %d", len(f.Docs))})
		return nil
	}
	body := f.Docs[0].Body
	if body == nil {
		d.problems = append(d.problems, &Problem{Pos: Pos{File: d.file, Line: 1, Col: 1}, Msg: "empty file: expected a case (mapping) or a list of cases"})
		return nil
	}
	bad := false
	ast.Walk(visitorFunc(func(n ast.Node) bool {
		switch n.(type) {
		case *ast.AnchorNode, *ast.AliasNode, *ast.MergeKeyNode:
			if !bad {
				d.errorf(n, "anchors, aliases and merge keys are not allowed in scenarios")
			}
			bad = true
			return false
		case *ast.TagNode:
			d.errorf(n, "YAML tags are not allowed in scenarios")
			return false
		}
		return true
	}), body)
	if bad {
		return nil
	}
	return body
}

type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
}

func bytesHaveNUL(b []byte) bool {
	for _, c := range b {
		if c == 0 {
			return true
		}
	}
	return false
}

// unwrap strips comment wrappers.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.CommentNode:
			return nil
		default:
			_ = v
			return n
		}
	}
}

// fields checks that n is a mapping whose keys are all in allowed and
// returns the values by key. Unknown and duplicate keys are problems.
func (d *decoder) fields(n ast.Node, what string, allowed ...string) (map[string]ast.Node, bool) {
	m, ok := unwrap(n).(*ast.MappingNode)
	if !ok {
		d.errorf(n, "%s: expected a mapping, found %s", what, describe(n))
		return nil, false
	}
	out := map[string]ast.Node{}
	for _, mv := range m.Values {
		key := mv.Key.String()
		if _, dup := out[key]; dup {
			d.errorf(mv.Key, "%s: duplicate key %q", what, key)
			continue
		}
		if !contains(allowed, key) {
			d.errorf(mv.Key, "%s: unknown key %q (expected one of: %s)", what, key, strings.Join(allowed, ", "))
			continue
		}
		out[key] = mv.Value
	}
	return out, true
}

// mappingEntries returns the key/value pairs of a mapping in order.
func (d *decoder) mappingEntries(n ast.Node, what string) []*ast.MappingValueNode {
	m, ok := unwrap(n).(*ast.MappingNode)
	if !ok {
		d.errorf(n, "%s: expected a mapping, found %s", what, describe(n))
		return nil
	}
	seen := map[string]bool{}
	var out []*ast.MappingValueNode
	for _, mv := range m.Values {
		k := mv.Key.String()
		if seen[k] {
			d.errorf(mv.Key, "%s: duplicate key %q", what, k)
			continue
		}
		seen[k] = true
		out = append(out, mv)
	}
	return out
}

func (d *decoder) seq(n ast.Node, what string) []ast.Node {
	s, ok := unwrap(n).(*ast.SequenceNode)
	if !ok {
		d.errorf(n, "%s: expected a list, found %s", what, describe(n))
		return nil
	}
	return s.Values
}

// seqOrOne accepts a list or a single scalar.
func (d *decoder) seqOrOne(n ast.Node) []ast.Node {
	if s, ok := unwrap(n).(*ast.SequenceNode); ok {
		return s.Values
	}
	return []ast.Node{n}
}

func (d *decoder) str(n ast.Node, what string) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		// Scalars written without quotes are still text where text is
		// expected (a frame "1", a topic "true").
		return v.GetToken().Value, true
	}
	d.errorf(n, "%s: expected a string, found %s", what, describe(n))
	return "", false
}

func (d *decoder) nonEmptyStr(n ast.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(n, "%s: must not be empty", what)
		return "", false
	}
	return s, ok
}

func (d *decoder) integer(n ast.Node, what string, min, max int) (int, bool) {
	v, ok := unwrap(n).(*ast.IntegerNode)
	if !ok {
		d.errorf(n, "%s: expected an integer, found %s", what, describe(n))
		return 0, false
	}
	i, err := strconv.Atoi(v.GetToken().Value)
	if err != nil || i < min || i > max {
		d.errorf(n, "%s: expected an integer from %d to %d, found %s", what, min, max, v.GetToken().Value)
		return 0, false
	}
	return i, true
}

func (d *decoder) boolean(n ast.Node, what string) (bool, bool) {
	v, ok := unwrap(n).(*ast.BoolNode)
	if !ok {
		d.errorf(n, "%s: expected true or false, found %s", what, describe(n))
		return false, false
	}
	return v.Value, true
}

// duration accepts Go durations ("250ms", "2s"); a bare integer is refused
// because its unit would be a guess.
func (d *decoder) duration(n ast.Node, what string) (time.Duration, bool) {
	s, ok := unwrap(n).(*ast.StringNode)
	if !ok {
		d.errorf(n, "%s: expected a duration such as 250ms or 2s, found %s", what, describe(n))
		return 0, false
	}
	t, err := time.ParseDuration(s.Value)
	if err != nil || t <= 0 || t > maxDuration {
		d.errorf(n, "%s: expected a positive duration up to %s such as 250ms, found %q", what, maxDuration, s.Value)
		return 0, false
	}
	return t, true
}

func describe(n ast.Node) string {
	n = unwrap(n)
	if n == nil {
		return "nothing"
	}
	switch n.(type) {
	case *ast.NullNode:
		return "null"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return fmt.Sprintf("string %q", clip(n.GetToken().Value))
	case *ast.IntegerNode:
		return "integer " + n.GetToken().Value
	case *ast.FloatNode:
		return "number " + n.GetToken().Value
	case *ast.BoolNode:
		return "boolean " + n.GetToken().Value
	}
	return n.Type().String()
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func itoa(i int) string { return strconv.Itoa(i) }
