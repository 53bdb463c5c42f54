package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/goccy/go-yaml"
	"github.com/zharness/zharness/reports"
)

// Expectation records a known deviation (decisions.md, ruling 2): for the
// matching cells the verdict is expected to be Verdict, so CI stays green on
// known bugs and turns red when they change.
type Expectation struct {
	Case      string          `yaml:"case"`      // id or glob
	Subject   string          `yaml:"subject"`   // subject driver or "*"
	Peer      string          `yaml:"peer"`      // optional; "*" by default
	Transport string          `yaml:"transport"` // optional; "*" by default
	Verdict   reports.Verdict `yaml:"verdict"`
	// Verdicts lists several acceptable verdicts, for an implementation
	// whose behaviour is itself nondeterministic (say so in Reason, with
	// the flake rate measured). Use Verdict or Verdicts, not both.
	Verdicts []reports.Verdict `yaml:"verdicts"`
	Reason   string            `yaml:"reason"`
	Evidence string            `yaml:"evidence"`
	Line     int               `yaml:"-"`
}

// Expectations is a loaded expectations file.
type Expectations struct {
	File    string
	Entries []Expectation
}

type expectationsFile struct {
	Expectations []Expectation `yaml:"expectations"`
}

// LoadExpectations reads and validates an expectations file. Every problem
// names file:line.
func LoadExpectations(file string) (*Expectations, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var f expectationsFile
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("%s: %s", file, yaml.FormatError(err, false, true))
	}
	var errs []error
	for i := range f.Expectations {
		e := &f.Expectations[i]
		e.Line = lineOf(data, i)
		at := fmt.Sprintf("%s:%d", file, e.Line)
		if e.Case == "" || e.Subject == "" {
			errs = append(errs, fmt.Errorf("%s: expectation needs case and subject", at))
		}
		if _, err := path.Match(e.Case, ""); err != nil {
			errs = append(errs, fmt.Errorf("%s: case %q: bad glob", at, e.Case))
		}
		if (e.Verdict == "") == (len(e.Verdicts) == 0) {
			errs = append(errs, fmt.Errorf("%s: expectation for %s needs verdict or verdicts (one of them)", at, e.Case))
		}
		if e.Verdict != "" {
			e.Verdicts = []reports.Verdict{e.Verdict}
		}
		for _, v := range e.Verdicts {
			if _, err := reports.ParseVerdict(string(v)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", at, err))
			}
		}
		if e.Reason == "" || e.Evidence == "" {
			errs = append(errs, fmt.Errorf("%s: expectation for %s needs a reason and evidence", at, e.Case))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Expectations{File: file, Entries: f.Expectations}, nil
}

// lineOf finds the line of the i-th expectation through the YAML path.
func lineOf(data []byte, i int) int {
	p, err := yaml.PathString(fmt.Sprintf("$.expectations[%d]", i))
	if err != nil {
		return 0
	}
	n, err := p.ReadNode(bytes.NewReader(data))
	if err != nil || n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

func match(glob, s string) bool {
	if glob == "" || glob == "*" {
		return true
	}
	ok, _ := path.Match(glob, s)
	return ok
}

// Lookup returns the expectation for a record, if any; the first match wins.
func (x *Expectations) Lookup(r *reports.Record) (*Expectation, bool) {
	if x == nil {
		return nil, false
	}
	for i := range x.Entries {
		e := &x.Entries[i]
		if match(e.Case, r.Case) && match(e.Subject, r.Subject) && match(e.Peer, r.Peer) && match(e.Transport, r.Transport) {
			return e, true
		}
	}
	return nil, false
}

// Judge marks r as expected or unexpected. Without an expectation a verdict
// in failOn is unexpected; with one, any other verdict is (an unexpected
// PASS included, so fixed bugs are noticed).
func (x *Expectations) Judge(r *reports.Record, failOn []reports.Verdict) {
	if r.Verdict == reports.NotApplicable || r.Verdict == reports.Unimplemented {
		// Decided by structure and capabilities before anything ran: an
		// expectation about behaviour does not apply to such a cell.
		r.Unexpected = contains(failOn, r.Verdict)
		return
	}
	if e, ok := x.Lookup(r); ok {
		r.ExpectedVerdict = e.Verdicts[0]
		if contains(e.Verdicts, r.Verdict) {
			r.ExpectedVerdict = r.Verdict
		}
		r.Unexpected = !contains(e.Verdicts, r.Verdict)
		return
	}
	r.Unexpected = contains(failOn, r.Verdict)
}
