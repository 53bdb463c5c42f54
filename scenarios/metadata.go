package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// MetaExpect is one message property a recv step requires (metadata:
// {User-Id: "alice"}); the value is a frame template, so ${vars} work.
type MetaExpect struct {
	Key   string
	Value Frame
}

func init() { stepKeys[StepRecv] = append(stepKeys[StepRecv], "metadata") }

// decodeMetadata reads a recv step's metadata mapping.
func (d *decoder) decodeMetadata(n ast.Node, what string) []MetaExpect {
	var out []MetaExpect
	for _, mv := range d.mappingEntries(n, what) {
		k := keyText(mv.Key)
		if k == "" {
			d.errorf(mv.Key, "%s: expected a property name such as User-Id", what)
			continue
		}
		if f, ok := d.frame(mv.Value, what+": "+k); ok {
			out = append(out, MetaExpect{Key: k, Value: f})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// metadataRoles lists roles whose recv steps check metadata (gate).
func (s *Step) metadataRole() string {
	if s.Kind == StepRecv && len(s.Metadata) > 0 {
		return s.Socket
	}
	return ""
}

// recvWithMeta receives through the metadata interface when the step
// asks for properties; otherwise it is recvFrom.
func (r *runner) recvWithMeta(ctx context.Context, s *Step, sock drivers.Socket) (drivers.Msg, map[string]string, error) {
	if len(s.Metadata) == 0 {
		m, err := r.recvFrom(ctx, s.Socket, sock)
		return m, nil, err
	}
	mr, ok := sock.(drivers.MetadataReceiver)
	if !ok {
		return nil, nil, drivers.Unsupported("recv", "message metadata")
	}
	keys := make([]string, len(s.Metadata))
	for i, e := range s.Metadata {
		keys[i] = e.Key
	}
	return mr.RecvWithMetadata(ctx, keys)
}

// matchMetadata checks the properties a step requires.
func (r *runner) matchMetadata(s *Step, got map[string]string, idx int) bool {
	var want, have []string
	ok := true
	for _, e := range s.Metadata {
		v, err := expand([]Frame{e.Value}, idx, r.vars)
		if err != nil {
			r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
			return false
		}
		want = append(want, fmt.Sprintf("%s=%q", e.Key, v[0]))
		g, present := got[e.Key]
		if present {
			have = append(have, fmt.Sprintf("%s=%q", e.Key, g))
		} else {
			have = append(have, e.Key+" absent")
		}
		ok = ok && present && g == string(v[0])
	}
	r.log(s.Socket, "metadata", strings.Join(have, " "), nil)
	if !ok {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{"message properties " + strings.Join(want, " ")}, actual: strings.Join(have, " "), grade: s.Grade, at: s.Pos})
	}
	return ok
}
