package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/pflag"
	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/suites/conformance"
)

// selection holds the filter flags shared by every command that selects
// cases, drivers or workloads.
type selection struct {
	drivers     []string
	pairs       []string
	transports  []string
	patterns    []string
	cases       []string
	labelFilter string
	scenarios   []string
	allDrivers  bool
}

func (s *selection) register(fs *pflag.FlagSet) {
	fs.StringSliceVar(&s.drivers, "driver", nil, "select pairings whose subject is this driver (repeatable)")
	fs.StringSliceVar(&s.pairs, "pair", nil, "select one pairing SUBJECT:PEER, e.g. gozmq:libzmq (repeatable)")
	fs.StringSliceVar(&s.transports, "transport", nil, "tcp, ipc or inproc (repeatable)")
	fs.StringSliceVar(&s.patterns, "pattern", nil, "reqrep, routing, pubsub, pipeline, pair, general (repeatable)")
	fs.StringSliceVar(&s.cases, "case", nil, "case id glob, e.g. 'pubsub.*' (repeatable)")
	fs.StringVar(&s.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'transport:tcp && !grade:MAY'")
	fs.StringSliceVar(&s.scenarios, "scenarios", nil, "scenario files or directories instead of the embedded ones")
	fs.BoolVar(&s.allDrivers, "all-drivers", false, "pair every available driver, the opt-in agents (jeromq, pyzmq, zeromqjs) included")
}

// filter turns the flags into a conformance filter, rejecting unknown
// names with the list of valid ones.
func (s *selection) filter() (conformance.Filter, error) {
	f := conformance.Filter{Drivers: conformance.DefaultDrivers(), Subjects: s.drivers, Pairs: s.pairs, Patterns: s.patterns, Cases: s.cases}
	if s.allDrivers {
		f.Drivers = conformance.AllDrivers()
	}
	// Drivers named explicitly (hidden ones such as faulty:drop=3/libzmq
	// included) join the pool that pairings are built from.
	named := append([]string(nil), s.drivers...)
	for _, p := range s.pairs {
		a, b, err := splitPair(p)
		if err != nil {
			return f, err
		}
		named = append(named, a, b)
	}
	for _, d := range named {
		if d == "" {
			continue
		}
		if _, err := drivers.Lookup(d); err != nil {
			return f, usageWrap(err)
		}
		if !slices.Contains(f.Drivers, d) {
			f.Drivers = append(f.Drivers, d)
		}
	}
	for _, t := range s.transports {
		tr, err := drivers.ParseTransport(t)
		if err != nil {
			return f, usageErr("--transport: %v", err)
		}
		f.Transports = append(f.Transports, tr)
	}
	if err := conformance.ValidateLabelFilter(s.labelFilter); err != nil {
		return f, usageWrap(err)
	}
	return f, nil
}

// parseShard parses "i/n".
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, usageErr("--shard %q: expected i/n with 1 ≤ i ≤ n, e.g. 2/4", s)
	}
	return i, n, nil
}

func parseFailOn(xs []string) ([]reports.Verdict, error) {
	var out []reports.Verdict
	for _, x := range xs {
		v, err := reports.ParseVerdict(strings.ToUpper(x))
		if err != nil {
			return nil, usageErr("--fail-on: %v", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func plural(n int, s string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, s)
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// splitPair splits "SUBJECT:PEER" where either name may contain ':'
// itself (faulty:drop=3/libzmq, remote:gozmq): the first split at which
// both sides name a driver wins.
func splitPair(p string) (string, string, error) {
	var firstErr error
	for i := 0; i < len(p); i++ {
		if p[i] != ':' {
			continue
		}
		a, b := p[:i], p[i+1:]
		_, errA := drivers.Lookup(a)
		_, errB := drivers.Lookup(b)
		switch {
		case errA == nil && errB == nil:
			return a, b, nil
		case firstErr != nil:
		case errA == nil:
			firstErr = errB // the subject is known: say what is wrong with the peer
		default:
			firstErr = errA
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("expected SUBJECT:PEER, e.g. gozmq:libzmq")
	}
	return "", "", usageErr("--pair %q: %v", p, firstErr)
}

// applyLabelFilter keeps the specs the label filter selects. Ginkgo applies
// the same filter again when the specs run; doing it here too makes the
// counts, `list`, and the empty-selection error right.
func applyLabelFilter(plan []conformance.Spec, filter string) ([]conformance.Spec, error) {
	if filter == "" {
		return plan, nil
	}
	match, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil, usageErr("--label-filter %q: %v", filter, err)
	}
	var out []conformance.Spec
	for _, s := range plan {
		if match(s.Labels()) {
			out = append(out, s)
		}
	}
	return out, nil
}
