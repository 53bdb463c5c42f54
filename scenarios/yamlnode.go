package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	maxProblems = 100
	// maxFrameSize bounds {size: N}; a frame larger than this tests
	// memory, not ZeroMQ.
	maxFrameSize = 64 << 20
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
	found    int // problems found, including those beyond maxProblems
	// misspelt holds required keys that an unknown key in the same
	// mapping probably meant; they are not reported missing as well.
	misspelt map[misspelling]bool
}

type misspelling struct {
	m   ast.Node
	key string
}

// pos is where n starts. A block mapping's own token is the first ":",
// so it is placed at its first key instead.
func (d *decoder) pos(n ast.Node) Pos {
	switch v := n.(type) {
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return d.pos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		return d.pos(v.Key)
	}
	if n == nil || n.GetToken() == nil || n.GetToken().Position == nil {
		return Pos{File: d.file}
	}
	p := n.GetToken().Position
	return Pos{File: d.file, Line: p.Line, Col: p.Column}
}

func (d *decoder) errorf(n ast.Node, format string, args ...any) {
	d.add(d.pos(n), fmt.Sprintf(format, args...))
}

// add records a problem; past maxProblems it only counts them, so a huge
// broken file cannot produce a huge error.
func (d *decoder) add(p Pos, msg string) {
	d.found++
	if len(d.problems) < maxProblems {
		d.problems = append(d.problems, &Problem{Pos: p, Msg: msg})
	}
}

// addAt records a problem at a byte offset of the raw file.
func (d *decoder) addAt(data []byte, off int, msg string) {
	line, col := offsetPos(data, off)
	d.add(Pos{File: d.file, Line: line, Col: col}, msg)
}

// result sorts the problems by position (traversal order is not always
// file order) and notes how many were left out.
func (d *decoder) result() error {
	if d.found == 0 {
		return nil
	}
	sort.SliceStable(d.problems, func(i, j int) bool {
		a, b := d.problems[i].(*Problem).Pos, d.problems[j].(*Problem).Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	errs := d.problems
	if more := d.found - len(d.problems); more > 0 {
		errs = append(errs, &Problem{Pos: Pos{File: d.file}, Msg: fmt.Sprintf("%d more problems not shown", more)})
	}
	return errors.Join(errs...)
}

// parse turns bytes into a document body, rejecting anchors and aliases
// (a YAML bomb needs them, and scenarios have no use for them).
func (d *decoder) parse(data []byte) ast.Node {
	if len(data) > maxFileSize {
		d.add(Pos{File: d.file}, fmt.Sprintf("file is %d bytes; scenario files are limited to %d", len(data), maxFileSize))
		return nil
	}
	// YAML allows a byte order mark; the parser would take it for text.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if off, msg := checkText(data); off >= 0 {
		d.addAt(data, off, msg)
		return nil
	}
	if off, msg := scanShape(data); off >= 0 {
		d.addAt(data, off, msg)
		return nil
	}
	f, err := parseYAML(data)
	if err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
			p := ye.GetToken().Position
			d.add(Pos{File: d.file, Line: p.Line, Col: p.Column}, "YAML syntax: "+syntaxMessage(ye.GetMessage()))
		} else {
			d.add(Pos{File: d.file}, "YAML syntax: "+err.Error())
		}
		return nil
	}
	if len(f.Docs) > 1 {
		second := Pos{File: d.file, Line: 1, Col: 1}
		if doc := f.Docs[1]; doc.Start != nil && doc.Start.Position != nil {
			second = Pos{File: d.file, Line: doc.Start.Position.Line, Col: doc.Start.Position.Column}
		} else if doc.Body != nil {
			second = d.pos(doc.Body)
		}
		d.add(second, fmt.Sprintf("a second YAML document: expected exactly one per file, found %d", len(f.Docs)))
		return nil
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		d.add(Pos{File: d.file, Line: 1, Col: 1}, "empty file: expected a case (mapping) or a list of cases")
		return nil
	}
	body := f.Docs[0].Body
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
			bad = true
			return false
		}
		return true
	}), body)
	if bad {
		return nil
	}
	return body
}

// syntaxMessage makes the parser's message readable: a raw tab in it
// would show as blank space.
func syntaxMessage(m string) string {
	if strings.Contains(m, "\t") {
		return strings.ReplaceAll(m, "\t", `\t`) + " (YAML indents with spaces, never tabs)"
	}
	return m
}

// parseYAML runs the parser, turning a panic inside it into an error: a
// malformed file must become a problem report, never a crashed run.
func parseYAML(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML parser failed on this file (%v)", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

type visitorFunc func(ast.Node) bool

func (f visitorFunc) Visit(n ast.Node) ast.Visitor {
	if f(n) {
		return f
	}
	return nil
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
		key := keyText(mv.Key)
		if _, dup := out[key]; dup {
			d.errorf(mv.Key, "%s: duplicate key %q", what, clip(key))
			continue
		}
		if !contains(allowed, key) {
			if guess := nearest(key, allowed); guess != "" {
				d.errorf(mv.Key, "%s: unknown key %q (did you mean %q? expected one of: %s)", what, clip(key), guess, strings.Join(allowed, ", "))
				d.noteMisspelt(m, guess)
				continue
			}
			d.errorf(mv.Key, "%s: unknown key %q (expected one of: %s)", what, clip(key), strings.Join(allowed, ", "))
			continue
		}
		out[key] = mv.Value
	}
	return out, true
}

func (d *decoder) noteMisspelt(m ast.Node, key string) {
	if d.misspelt == nil {
		d.misspelt = map[misspelling]bool{}
	}
	d.misspelt[misspelling{m, key}] = true
}

// absent tells whether a required key is missing from mapping n and not
// already explained by a misspelt key.
func (d *decoder) absent(f map[string]ast.Node, n ast.Node, key string) bool {
	_, ok := f[key]
	return !ok && !d.misspelt[misspelling{unwrap(n), key}]
}

// require reports the required keys missing from mapping n, in one
// problem.
func (d *decoder) require(f map[string]ast.Node, n ast.Node, what string, keys ...string) {
	var missing []string
	for _, k := range keys {
		if d.absent(f, n, k) {
			missing = append(missing, strconv.Quote(k))
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		d.errorf(n, "%s: missing required key %s", what, missing[0])
	default:
		d.errorf(n, "%s: missing required keys %s", what, strings.Join(missing, ", "))
	}
}

// keyText is a mapping key as written, without quotes.
func keyText(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.MappingKeyNode:
		return keyText(v.Value)
	case nil:
		return ""
	}
	if _, scalar := n.(ast.ScalarNode); scalar && n.GetToken() != nil {
		return n.GetToken().Value
	}
	return n.String()
}

// nearest returns the candidate within a typo or two of s, if exactly one
// is.
func nearest(s string, candidates []string) string {
	best, found := "", 0
	for _, c := range candidates {
		limit := 2
		if len(c) <= 3 {
			limit = 1
		}
		if editDistance(s, c, limit) <= limit {
			best, found = c, found+1
		}
	}
	if found != 1 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit+1 when it
// is larger (or the strings are too long to be worth comparing).
func editDistance(a, b string, limit int) int {
	if len(a) > 64 || len(b) > 64 || abs(len(a)-len(b)) > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
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
		k := keyText(mv.Key)
		if seen[k] {
			d.errorf(mv.Key, "%s: duplicate key %q", what, clip(k))
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

// text is str for names and prose: there an unquoted true, 12 or null is
// almost always a slip, so only string scalars are accepted.
func (d *decoder) text(n ast.Node, what string) (string, bool) {
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		d.errorf(n, "%s: expected a string, found %s (quote it if you mean the text)", what, describe(n))
		return "", false
	}
	d.errorf(n, "%s: expected a string, found %s", what, describe(n))
	return "", false
}

// nonEmptyStr is str that must not be blank.
func (d *decoder) nonEmptyStr(n ast.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if ok && strings.TrimSpace(s) == "" {
		d.errorf(n, "%s: must not be empty", what)
		return "", false
	}
	return s, ok
}

// nonEmptyText is text that must not be blank.
func (d *decoder) nonEmptyText(n ast.Node, what string) (string, bool) {
	s, ok := d.text(n, what)
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

// clip shortens s for a message, on a character boundary.
func clip(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
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
