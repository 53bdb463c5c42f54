package conformance

import (
	"fmt"
	"path"
	"strings"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/scenarios"
)

// Spec is one cell of the matrix.
type Spec struct {
	Case      *scenarios.Case
	Subject   string
	Peer      string
	Transport drivers.Transport
}

// Name is "case [subject:peer transport]".
func (s Spec) Name() string {
	return fmt.Sprintf("%s [%s:%s %s]", s.Case.ID, s.Subject, s.Peer, s.Transport)
}

// Filter selects specs. Empty fields select everything.
type Filter struct {
	Drivers    []string            // available drivers; pairings are built from these
	Subjects   []string            // --driver: pairings whose subject is one of these
	Pairs      []string            // --pair SUBJECT:PEER
	Transports []drivers.Transport // --transport
	Patterns   []string            // --pattern
	Cases      []string            // --case globs on ids
	Shard      int                 // 1-based shard index (0 = no sharding)
	Shards     int
}

// Plan builds the ordered list of specs: every case × every ordered pair of
// drivers (decisions.md, ruling 6; single-role cases only with the subject
// driver on both sides) × every transport the case applies to.
func Plan(cases []*scenarios.Case, f Filter) ([]Spec, error) {
	for _, p := range f.Pairs {
		if !validPair(p, f.Drivers) {
			return nil, fmt.Errorf("--pair %q: expected SUBJECT:PEER with drivers from: %s", p, strings.Join(f.Drivers, ", "))
		}
	}
	for _, d := range f.Subjects {
		if !contains(f.Drivers, d) {
			return nil, fmt.Errorf("--driver %q: unknown driver (valid: %s)", d, strings.Join(f.Drivers, ", "))
		}
	}
	for _, g := range f.Cases {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("--case %q: bad glob: %v", g, err)
		}
	}
	var specs []Spec
	for _, c := range cases {
		if !matchCase(c, f) {
			continue
		}
		for _, subj := range f.Drivers {
			for _, peer := range f.Drivers {
				if len(c.Roles) == 1 && peer != subj {
					continue
				}
				if len(f.Subjects) > 0 && !contains(f.Subjects, subj) {
					continue
				}
				if len(f.Pairs) > 0 && !contains(f.Pairs, subj+":"+peer) {
					continue
				}
				for _, t := range c.Transports {
					if len(f.Transports) > 0 && !contains(f.Transports, t) {
						continue
					}
					specs = append(specs, Spec{Case: c, Subject: subj, Peer: peer, Transport: t})
				}
			}
		}
	}
	if f.Shards > 1 {
		var mine []Spec
		for i, s := range specs {
			if i%f.Shards == f.Shard-1 {
				mine = append(mine, s)
			}
		}
		specs = mine
	}
	return specs, nil
}

func matchCase(c *scenarios.Case, f Filter) bool {
	if len(f.Patterns) > 0 && !contains(f.Patterns, c.Pattern) {
		return false
	}
	if len(f.Cases) == 0 {
		return true
	}
	for _, g := range f.Cases {
		if ok, _ := path.Match(g, c.ID); ok {
			return true
		}
	}
	return false
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Repro is the command that reruns one spec alone (decisions.md, ruling 7).
func Repro(s Spec) string {
	return fmt.Sprintf("zharness conformance --case %s --pair %s:%s --transport %s", s.Case.ID, s.Subject, s.Peer, s.Transport)
}

// validPair reports whether p is "a:b" for drivers a and b of the pool
// (names may contain ':' themselves, e.g. faulty:drop=3/libzmq).
func validPair(p string, pool []string) bool {
	for _, a := range pool {
		if strings.HasPrefix(p, a+":") && contains(pool, strings.TrimPrefix(p, a+":")) {
			return true
		}
	}
	return false
}

// LabelValue turns a name into a Ginkgo label value, which may not contain
// '/' (nor &|!,()): faulty:drop=3/libzmq → faulty:drop=3+libzmq.
func LabelValue(s string) string {
	return strings.NewReplacer("/", "+", "&", "+", "|", "+", "!", "+", ",", "+", "(", "+", ")", "+").Replace(s)
}

// DefaultDrivers are the drivers conformance runs on: every available
// listed driver except opt-in ones (agents in other runtimes, run when
// named) and per-message variants that share another's implementation
// (decisions.md, ruling 9: libzmq, not libzmq-binding).
func DefaultDrivers() []string { return available(false) }

// AllDrivers is DefaultDrivers with the available opt-in drivers too.
func AllDrivers() []string { return available(true) }

func available(optIn bool) []string {
	var out []string
	for _, n := range drivers.Names() {
		if drivers.IsOptIn(n) && !optIn {
			continue // agents in other runtimes run when named
		}
		d, err := drivers.Lookup(n)
		if err != nil {
			continue // unavailable drivers are listed by `zharness drivers`
		}
		if !d.Capabilities().HasFeature(drivers.FeaturePerfVariant) {
			out = append(out, n)
		}
	}
	return out
}

// Labels are the Ginkgo labels of the spec (the case's and the pairing's),
// as the suite attaches them; the CLI uses them to apply --label-filter
// before running anything.
func (s Spec) Labels() []string {
	return []string{"pattern:" + s.Case.Pattern, "grade:" + string(s.Case.Grade),
		"subject:" + LabelValue(s.Subject), "peer:" + LabelValue(s.Peer),
		"transport:" + string(s.Transport), "case:" + s.Case.ID}
}
