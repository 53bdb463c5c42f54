package scenarios

import (
	"fmt"
	"unicode/utf8"
)

// Limits on a file's shape, enforced by a linear pre-scan before the YAML
// parser runs. goccy/go-yaml takes time quadratic in nesting depth (20 000
// nested "[" take seconds, so a 1 MiB file could take hours) and in the
// number of keys of one block mapping (10 000 keys take about a second),
// and a few microseconds per token. The largest shipped scenario file
// nests about 20 levels and has 9 000 tokens and 2 000 keys.
const (
	maxNesting  = 64
	maxTokens   = 50_000
	maxSiblings = 1000 // entries of one block mapping or list
)

// checkText refuses what is not YAML text: invalid UTF-8, NUL and other
// control characters (YAML allows only tab, LF and CR). It returns the
// byte offset of the first offender, or -1.
func checkText(data []byte) (int, string) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == 0:
			return i, "binary data (a NUL byte): expected a YAML text file"
		case r == utf8.RuneError && size <= 1:
			return i, fmt.Sprintf("binary data (byte 0x%02x is not UTF-8): expected a YAML text file", data[i])
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return i, fmt.Sprintf("control character U+%04X: expected a YAML text file (quote it as \\x%02x in a double-quoted string)", r, r)
		}
		i += size
	}
	return -1, ""
}

// scanShape approximates YAML's structure in one pass, enough to bound
// nesting and token count: it knows quoted scalars, plain scalars,
// comments, block scalars, flow brackets and block indentation. It
// errs towards counting more, never less, so what it lets through the
// parser handles quickly. It returns the offset where a limit is passed,
// or -1.
func scanShape(data []byte) (int, string) {
	s := shapeScanner{data: data}
	return s.run()
}

type shapeScanner struct {
	data   []byte
	flow   int          // open [ and {
	stack  []blockLevel // the open block nodes, outermost first
	tokens int
}

// blockLevel is an open block node: the column its entries start at and
// how many entries it has had.
type blockLevel struct{ col, entries int }

func (s *shapeScanner) deep() string {
	return fmt.Sprintf("nesting deeper than %d levels: a scenario needs far fewer", maxNesting)
}

// push records a block entry starting at col: a further entry of the node
// at that column, or the first of a new nested one. It closes the nodes at
// deeper columns.
func (s *shapeScanner) push(col int) string {
	for len(s.stack) > 0 && s.stack[len(s.stack)-1].col > col {
		s.stack = s.stack[:len(s.stack)-1]
	}
	if top := len(s.stack) - 1; top >= 0 && s.stack[top].col == col {
		if s.stack[top].entries++; s.stack[top].entries > maxSiblings {
			return fmt.Sprintf("more than %d entries in one mapping or list: a scenario needs far fewer", maxSiblings)
		}
		return ""
	}
	s.stack = append(s.stack, blockLevel{col: col, entries: 1})
	if len(s.stack)+s.flow > maxNesting {
		return s.deep()
	}
	return ""
}

func (s *shapeScanner) run() (int, string) {
	data, n := s.data, len(s.data)
	lineStart := 0
	first := true   // the next token is the first of its line
	nested := false // the next token follows a block "- " or "? "
	for i := 0; i < n; {
		c := data[i]
		switch c {
		case '\n', '\r':
			i++
			lineStart, first, nested = i, true, false
			continue
		case ' ', '\t':
			i++
			continue
		case '#':
			// A comment needs blank space before it; "[a,#b" is text.
			if i == lineStart || data[i-1] == ' ' || data[i-1] == '\t' {
				i = lineEnd(data, i)
				continue
			}
		}
		if s.tokens++; s.tokens > maxTokens {
			return i, fmt.Sprintf("more than %d YAML tokens: a scenario file needs far fewer", maxTokens)
		}
		// The block node holding this token, before it is pushed itself.
		parent := 0
		if len(s.stack) > 0 {
			parent = s.stack[len(s.stack)-1].col
		}
		if s.flow == 0 && (first || nested) {
			if msg := s.push(i - lineStart); msg != "" {
				return i, msg
			}
			if len(s.stack) > 1 && s.stack[len(s.stack)-1].col == i-lineStart {
				parent = s.stack[len(s.stack)-2].col
			}
		}
		first, nested = false, false
		switch {
		case c == '[' || c == '{':
			if s.flow++; len(s.stack)+s.flow > maxNesting {
				return i, s.deep()
			}
			i++
		case c == ']' || c == '}':
			if s.flow > 0 {
				s.flow--
			}
			i++
		case c == ',':
			i++
		case c == '"':
			i = skipDoubleQuoted(data, i+1)
		case c == '\'':
			i = skipSingleQuoted(data, i+1)
		case (c == '-' || c == '?' || c == ':') && blankAt(data, i+1):
			nested = c != ':' && s.flow == 0
			i++
		case (c == '|' || c == '>') && s.flow == 0:
			i = skipBlockScalar(data, i, parent)
			lineStart, first = i, true
		default:
			i = skipPlain(data, i, s.flow > 0)
		}
	}
	return -1, ""
}

func blankAt(data []byte, i int) bool {
	return i >= len(data) || data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'
}

func lineEnd(data []byte, i int) int {
	for i < len(data) && data[i] != '\n' && data[i] != '\r' {
		i++
	}
	return i
}

func skipDoubleQuoted(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return len(data)
}

func skipSingleQuoted(data []byte, i int) int {
	for i < len(data) {
		if data[i] == '\'' {
			if i+1 < len(data) && data[i+1] == '\'' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(data)
}

// skipPlain skips a plain scalar: it ends at a line end, ": ", " #", and in
// flow context also at , [ ] { }.
func skipPlain(data []byte, i int, flow bool) int {
	for i++; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n', '\r':
			return i
		case '#':
			if data[i-1] == ' ' || data[i-1] == '\t' {
				return i
			}
		case ':':
			if blankAt(data, i+1) || flow && i+1 < len(data) && isFlowIndicator(data[i+1]) {
				return i
			}
		case ',', '[', ']', '{', '}':
			if flow {
				return i
			}
		}
	}
	return len(data)
}

func isFlowIndicator(c byte) bool {
	return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'
}

// skipBlockScalar skips a | or > scalar: the header line, then every line
// that is blank or indented deeper than parent (the column of the block
// node that holds the scalar). It returns the start of the first line
// after the scalar.
func skipBlockScalar(data []byte, i, parent int) int {
	i = lineEnd(data, i)
	for i < len(data) {
		// i is at a line break; look at the next line.
		j := i + 1
		if data[i] == '\r' && j < len(data) && data[j] == '\n' {
			j++
		}
		k := j
		for k < len(data) && data[k] == ' ' {
			k++
		}
		if k < len(data) && data[k] != '\n' && data[k] != '\r' && k-j <= parent {
			return j
		}
		i = lineEnd(data, k)
	}
	return len(data)
}

// offsetPos turns a byte offset into a 1-based line and column (in
// characters), the way the YAML parser counts.
func offsetPos(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		i += size
		switch {
		case r == '\n':
			line, col = line+1, 1
		case r == '\r' && (i >= len(data) || data[i] != '\n'):
			line, col = line+1, 1
		default:
			col++
		}
	}
	return line, col
}
