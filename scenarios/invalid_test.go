package scenarios_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zharness/zharness/scenarios"
)

// invalidDir holds the corpus of malformed scenario files, one problem
// each (issue 8, "bad input, everywhere").
const invalidDir = "testdata/invalid"

// invalidCase is what the loader must report for one corpus file: the
// exact position and a fragment of the message saying what was expected.
type invalidCase struct {
	pos  string // line:col, or "" for a problem of the whole file
	want string
}

var invalidCorpus = map[string]invalidCase{
	"absurd-count.yaml":                     {"13:51", "count: expected an integer from 1 to 1000000, found 1000000000"},
	"absurd-frame-size.yaml":                {"13:43", "size: expected an integer from 0 to 67108864, found 1073741824"},
	"absurd-repeat.yaml":                    {"13:23", "times: expected an integer from 1 to 10000, found 100000"},
	"absurd-timeout.yaml":                   {"8:12", "timeout: expected a positive duration up to 10m0s"},
	"alias.yaml":                            {"10:10", "anchors, aliases and merge keys are not allowed"},
	"any-false.yaml":                        {"14:32", "only `any: true` makes sense"},
	"at-least-above-at-most.yaml":           {"14:13", "at_least (2s) is greater than at_most (1s)"},
	"bad-clause.yaml":                       {"4:11", `clause: expected a checklist id such as "RFC 28 §REQ-3"`},
	"bad-endpoint-name.yaml":                {"10:28", `bind: endpoint names are symbolic identifiers such as ep1, found "tcp://127.0.0.1:5555"`},
	"bad-grade.yaml":                        {"5:10", `grade: expected MUST, SHOULD or MAY, found "must"`},
	"bad-hex-frame.yaml":                    {"13:42", `hex: expected pairs of hex digits, found "0g"`},
	"bad-id.yaml":                           {"2:7", `id: expected lower-case dotted words such as reqrep.req-round-robin, found "Test.Base"`},
	"bad-pattern.yaml":                      {"7:12", `unknown pattern "req-rep" (valid: reqrep,`},
	"bad-role-name.yaml":                    {"11:5", `role name "Rep": expected a lower-case identifier`},
	"bad-save-name.yaml":                    {"14:45", `save: variable names are identifiers such as id1, found "my-id"`},
	"bad-step-grade.yaml":                   {"15:14", `step 2: grade: expected MUST, SHOULD or MAY, found "OPTIONAL"`},
	"binary-garbage.yaml":                   {"2:10", "binary data (byte 0x89 is not UTF-8): expected a YAML text file"},
	"bool-for-string.yaml":                  {"3:10", "title: expected a string, found boolean true (quote it"},
	"comments-only.yaml":                    {"1:1", "empty file: expected a case (mapping) or a list of cases"},
	"connect-to-unbound-endpoint.yaml":      {"11:5", `role rep connects to "ep2", which no role or step binds`},
	"control-character.yaml":                {"3:18", "control character U+001B: expected a YAML text file"},
	"deep-nesting.yaml":                     {"40:59", "steps nested deeper than 8 levels"},
	"deep-yaml-nesting.yaml":                {"13:94", "nesting deeper than 64 levels"},
	"duplicate-id-in-file.yaml":             {"15:3", `duplicate case id "test.base" (first defined at testdata/invalid/duplicate-id-in-file.yaml:2:3)`},
	"duplicate-key.yaml":                    {"4:3", `mapping key "title" already defined at [3:3]`},
	"duplicate-transport.yaml":              {"8:21", "transports: tcp listed twice"},
	"empty-file.yaml":                       {"1:1", "empty file: expected a case (mapping) or a list of cases"},
	"empty-frame-mapping.yaml":              {"13:36", "expected a frame: a string, {hex: ...} or {size: N}, found an empty mapping"},
	"empty-list.yaml":                       {"2:1", "empty list: expected at least one case"},
	"empty-repeat.yaml":                     {"14:33", "(repeat): steps: expected at least one step"},
	"empty-roles.yaml":                      {"9:10", "roles: expected at least one role"},
	"empty-steps.yaml":                      {"12:10", "steps: expected at least one step"},
	"empty-transports.yaml":                 {"8:15", "transports: expected at least one of tcp, ipc, inproc"},
	"error-with-count.yaml":                 {"13:13", "error with count > 1 is ambiguous; use repeat"},
	"hex-and-size-frame.yaml":               {"13:36", "a frame is a string, {hex: ...} or {size: N}, not both"},
	"invalid-utf8.yaml":                     {"3:21", "binary data (byte 0xe9 is not UTF-8)"},
	"merge-key.yaml":                        {"11:11", "anchors, aliases and merge keys are not allowed"},
	"missing-required-key.yaml":             {"2:3", `case 1: missing required key "requirement"`},
	"missing-role-type.yaml":                {"11:10", `role rep: missing required key "type"`},
	"multiple-documents.yaml":               {"15:1", "a second YAML document: expected exactly one per file"},
	"negative-timeout.yaml":                 {"8:12", `timeout: expected a positive duration up to 10m0s such as 250ms, found "-5s"`},
	"no-message-socket-and-sockets.yaml":    {"14:19", "(no_message): expected socket or sockets (one of them)"},
	"null-value.yaml":                       {"3:9", "title: expected a string, found null"},
	"odd-hex-frame.yaml":                    {"13:42", `hex: expected pairs of hex digits, found "abc"`},
	"option-out-of-range.yaml":              {"11:53", "LINGER: expected an integer from -1 to 1073741824, found -2"},
	"option-wrong-type.yaml":                {"11:53", `RCVHWM: expected an integer, found string "ten"`},
	"parallel-one-branch.yaml":              {"14:9", "(parallel): expected at least two branches"},
	"recv-frames-and-any.yaml":              {"14:13", "(recv): expected exactly one of frames, prefix, any: true, or error"},
	"recv-without-expectation.yaml":         {"14:13", "(recv): expected exactly one of frames, prefix, any: true, or error"},
	"scalar-document.yaml":                  {"2:1", `case: expected a mapping, found string "hello"`},
	"set-option-without-value.yaml":         {"14:19", `(set_option): missing required key "value"`},
	"settle-empty-why.yaml":                 {"14:33", "(settle): why: must not be empty"},
	"settle-without-why.yaml":               {"14:15", `(settle): missing required key "why": say why no observable signal can replace this delay`},
	"step-connect-to-unbound-endpoint.yaml": {"13:7", `connect step: rep connects to "elsewhere", which no role or step binds`},
	"step-on-unknown-socket.yaml":           {"14:22", `socket: "rep2" is not a role of this case (roles: req, rep)`},
	"step-without-kind.yaml":                {"14:7", "step 2: expected a step kind (bind, close,"},
	"string-for-bool.yaml":                  {"11:45", `deferred: expected true or false, found string "yes"`},
	"subject-not-a-role.yaml":               {"8:12", `subject: "router" is not a role (roles: req, rep)`},
	"syntax-error.yaml":                     {"13:41", "YAML syntax: ',' or ']' must be specified"},
	"tabs.yaml":                             {"5:1", `YAML syntax: found character '\t' that cannot start any token (YAML indents with spaces, never tabs)`},
	"tag.yaml":                              {"3:10", "YAML tags are not allowed"},
	"two-step-kinds-in-one-item.yaml":       {"14:7", `one step per list item; found both "send" and "recv"`},
	"unitless-timeout.yaml":                 {"8:12", "timeout: expected a duration such as 250ms or 2s, found integer 10"},
	"unknown-error-kind.yaml":               {"13:51", `error: unknown error kind "eagain" (valid: other, timeout,`},
	"unknown-expect-key.yaml":               {"14:52", `expect: unknown key "round_robbin" (did you mean "round_robin"?`},
	"unknown-key.yaml":                      {"3:3", `unknown key "titel" (did you mean "title"? expected one of: id, title,`},
	"unknown-option.yaml":                   {"11:45", `unknown option "RCVHMW" (valid: CONFLATE,`},
	"unknown-role-key.yaml":                 {"11:22", `unknown key "conect" (did you mean "connect"?`},
	"unknown-socket-type.yaml":              {"10:17", `type: unknown socket type "REQUEST" (valid: REQ, REP,`},
	"unknown-step-field.yaml":               {"13:44", `(send): unknown key "within" (expected one of: socket, frames,`},
	"unknown-step-kind.yaml":                {"13:7", `unknown step "sned" (did you mean "send"? valid: bind,`},
	"unknown-transport.yaml":                {"8:21", `transports: unknown transport "udp" (valid: tcp, ipc, inproc)`},
	"unused-role.yaml":                      {"12:5", "role spare is never used: it binds and connects nothing and no step names it"},
	"wrong-type-case.yaml":                  {"2:3", `case 1: expected a mapping, found string "just a string"`},
	"wrong-type-count.yaml":                 {"13:51", `count: expected an integer, found string "three"`},
	"wrong-type-frames.yaml":                {"13:35", `frames: expected a list, found string "hello"`},
	"wrong-type-roles.yaml":                 {"9:10", "roles: expected a mapping, found a list"},
	"wrong-type-steps.yaml":                 {"13:5", "steps: expected a list, found a mapping"},
	"yaml-bomb.yaml":                        {"2:4", "anchors, aliases and merge keys are not allowed"},
	"zero-count.yaml":                       {"13:51", "count: expected an integer from 1 to 1000000, found 0"},
	// Directories are loaded whole: each file alone is valid.
	"duplicate-id/": {"duplicate-id-b.yaml:2:3", `duplicate case id "test.base" (first defined at testdata/invalid/duplicate-id/duplicate-id-a.yaml:2:3)`},
}

// problems splits a loader error into its problems, failing the test if
// any is not a *scenarios.Problem.
func problems(t *testing.T, err error) []*scenarios.Problem {
	t.Helper()
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var out []*scenarios.Problem
	for _, e := range errs {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			out = append(out, problems(t, errors.Join(j.Unwrap()...))...)
			continue
		}
		p, ok := e.(*scenarios.Problem)
		if !ok {
			t.Fatalf("error %T %q is not a *scenarios.Problem", e, e)
		}
		out = append(out, p)
	}
	return out
}

func TestInvalidCorpus(t *testing.T) {
	for name, tc := range invalidCorpus {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.ToSlash(filepath.Join(invalidDir, name))
			var err error
			wantPos := path + ":" + tc.pos
			if strings.HasSuffix(name, "/") {
				_, err = scenarios.LoadPaths(path)
				wantPos = path + "/" + tc.pos
			} else {
				data, rerr := os.ReadFile(path)
				if rerr != nil {
					t.Fatal(rerr)
				}
				_, err = scenarios.Decode(path, data)
			}
			if err == nil {
				t.Fatalf("%s loaded without error; want %s: %s", path, wantPos, tc.want)
			}
			if !errors.Is(err, scenarios.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) is false for %v", err)
			}
			ps := problems(t, err)
			if len(ps) != 1 {
				t.Errorf("got %d problems, want exactly 1 (one problem per corpus file):\n%v", len(ps), err)
			}
			if got := ps[0].Pos.String(); got != wantPos {
				t.Errorf("position: got %s, want %s\n(%v)", got, wantPos, err)
			}
			if !strings.Contains(ps[0].Msg, tc.want) {
				t.Errorf("message: got %q, want it to contain %q", ps[0].Msg, tc.want)
			}
		})
	}
}

// TestInvalidCorpusComplete keeps the table and the directory in step: a
// corpus file without an asserted position would prove nothing.
func TestInvalidCorpusComplete(t *testing.T) {
	covered := map[string]bool{}
	err := filepath.WalkDir(invalidDir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || p == invalidDir {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, invalidDir+string(filepath.Separator)))
		if e.IsDir() {
			if _, ok := invalidCorpus[rel+"/"]; !ok {
				t.Errorf("directory %s has no entry %q in invalidCorpus", p, rel+"/")
			}
			covered[rel+"/"] = true
			return fs.SkipDir
		}
		if _, ok := invalidCorpus[rel]; !ok {
			t.Errorf("corpus file %s has no entry in invalidCorpus", p)
		}
		covered[rel] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range invalidCorpus {
		if !covered[name] {
			t.Errorf("invalidCorpus lists %s, which is not in %s", name, invalidDir)
		}
	}
	if len(covered) < 35 {
		t.Errorf("corpus has %d entries, want at least 35", len(covered))
	}
}

// TestCorpusBaseIsValid proves every corpus file is broken by its own
// change: the case they all start from loads cleanly.
func TestCorpusBaseIsValid(t *testing.T) {
	for _, p := range []string{"testdata/valid/base.yaml", invalidDir + "/duplicate-id/duplicate-id-a.yaml", invalidDir + "/duplicate-id/duplicate-id-b.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := scenarios.Decode(p, data)
		if err != nil || len(cs) != 1 {
			t.Errorf("%s: got %d cases, %v; want 1 case, no error", p, len(cs), err)
		}
	}
}

// TestSeveralProblems checks that the loader reports every problem of a
// file, in file order, not just the first.
func TestSeveralProblems(t *testing.T) {
	const p = "testdata/several-problems.yaml"
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := scenarios.Decode(p, data)
	if err == nil || cs != nil {
		t.Fatalf("got %d cases, error %v; want no cases and an error", len(cs), err)
	}
	if !errors.Is(err, scenarios.ErrInvalid) {
		t.Errorf("errors.Is(err, ErrInvalid) is false for %v", err)
	}
	want := []struct{ pos, msg string }{
		{p + ":5:10", `grade: expected MUST, SHOULD or MAY, found "MUSTY"`},
		{p + ":10:17", `unknown socket type "REQUEST"`},
		{p + ":13:51", "count: expected an integer from 1 to 1000000, found -1"},
		{p + ":14:22", `socket: "nobody" is not a role of this case`},
	}
	ps := problems(t, err)
	if len(ps) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for i, w := range want {
		if ps[i].Pos.String() != w.pos || !strings.Contains(ps[i].Msg, w.msg) {
			t.Errorf("problem %d: got %s: %s; want %s: …%s…", i+1, ps[i].Pos, ps[i].Msg, w.pos, w.msg)
		}
	}
	// The same through the loaders, which join errors of several files.
	for name, load := range map[string]func() error{
		"LoadPaths": func() error { _, err := scenarios.LoadPaths(p, "testdata/invalid/tabs.yaml"); return err },
	} {
		err := load()
		if !errors.Is(err, scenarios.ErrInvalid) {
			t.Errorf("%s: errors.Is(err, ErrInvalid) is false for %v", name, err)
		}
		if n := len(problems(t, err)); n != len(want)+1 {
			t.Errorf("%s: got %d problems, want %d", name, n, len(want)+1)
		}
	}
}
