package scenarios

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zharness/zharness/drivers"
)

// expand turns frame templates into bytes: {i} becomes the loop index and
// ${name} a variable saved by an earlier recv.
func expand(frames []Frame, i int, vars map[string][]byte) (drivers.Msg, error) {
	m := make(drivers.Msg, len(frames))
	for k, f := range frames {
		if f.IsRaw {
			m[k] = f.Raw
			continue
		}
		b, err := expandText(f.Text, i, vars)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return m, nil
}

func expandText(s string, i int, vars map[string][]byte) ([]byte, error) {
	var out []byte
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "{i}"):
			out = strconv.AppendInt(out, int64(i), 10)
			s = s[3:]
		case strings.HasPrefix(s, "${"):
			end := strings.IndexByte(s, '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated variable in frame %q", s)
			}
			name := s[2:end]
			v, ok := vars[name]
			if !ok {
				return nil, fmt.Errorf("variable %q was never saved by a recv step", name)
			}
			out = append(out, v...)
			s = s[end+1:]
		default:
			out = append(out, s[0])
			s = s[1:]
		}
	}
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// render shows a message for logs and expected/actual: printable frames
// quoted, binary ones in hex, long ones shortened.
func render(m drivers.Msg) string {
	parts := make([]string, len(m))
	for i, f := range m {
		parts[i] = renderFrame(f)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func renderFrame(f []byte) string {
	const max = 48
	if len(f) > max {
		return fmt.Sprintf("<%d bytes %s…>", len(f), renderFrame(f[:16]))
	}
	if utf8.Valid(f) && printable(f) {
		return strconv.Quote(string(f))
	}
	return "0x" + fmt.Sprintf("%x", f)
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// seqNumber extracts the first run of digits in the last frame, the {i} of
// a template such as "m{i}"; -1 when there is none.
func seqNumber(m drivers.Msg) int {
	if len(m) == 0 {
		return -1
	}
	f := m[len(m)-1]
	start := bytes.IndexAny(f, "0123456789")
	if start < 0 {
		return -1
	}
	end := start
	for end < len(f) && f[end] >= '0' && f[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(string(f[start:end]))
	if err != nil {
		return -1
	}
	return n
}

// tag identifies a message's sender for fair-queueing checks: the first
// frame of a multipart message (a ROUTER's identity), otherwise the text
// before the first '-' of the single frame ("a-1" → "a").
func tag(m drivers.Msg) string {
	if len(m) == 0 {
		return ""
	}
	if len(m) > 1 {
		return string(m[0])
	}
	s := string(m[0])
	if i := strings.IndexByte(s, '-'); i >= 0 {
		return s[:i]
	}
	return s
}
