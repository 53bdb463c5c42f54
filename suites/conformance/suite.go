package conformance

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads best dot-imported
	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
)

// Config describes one conformance run.
type Config struct {
	Cases        []*scenarios.Case
	Filter       Filter
	Expectations *Expectations     // may be nil
	FailOn       []reports.Verdict // default: FAIL
	TimeScale    float64
	// Emit receives every record the moment its spec ends (e.g. a
	// reports.Writer's Add); may be nil.
	Emit func(*reports.Record) error
	// Isolation, when set, runs every spec in a child process.
	Isolation *Isolation
	// Progress receives a line per finished spec; may be nil.
	Progress func(done, total int, rec *reports.Record)
}

// State collects the outcome of a registered run.
type State struct {
	mu      sync.Mutex
	Specs   []Spec
	Records []*reports.Record
	// HarnessErrors are problems of the harness (bad scenario logic,
	// endpoint allocation), not verdicts (decisions.md, ruling 1).
	HarnessErrors []string
	EmitErrors    []error
	eps           *drivers.Endpoints
}

// Unexpected counts records whose verdict differs from expectations.
func (s *State) Unexpected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.Records {
		if r.Unexpected {
			n++
		}
	}
	return n
}

// Register looks up the drivers, plans the specs and declares the Ginkgo
// tree. It must be called before RunSpecs (Ginkgo builds the tree first).
func Register(cfg *Config) (*State, error) {
	if len(cfg.FailOn) == 0 {
		cfg.FailOn = []reports.Verdict{reports.Fail}
	}
	drv := map[string]drivers.Driver{}
	for _, name := range cfg.Filter.Drivers {
		d, err := drivers.Lookup(name)
		if err != nil {
			return nil, err
		}
		drv[name] = d
	}
	specs, err := Plan(cfg.Cases, cfg.Filter)
	if err != nil {
		return nil, err
	}
	st := &State{Specs: specs}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		return nil, err
	}
	st.eps = eps
	AfterSuite(func() { _ = eps.Close() })

	byCase := map[string][]Spec{}
	var order []string
	for _, s := range specs {
		if _, ok := byCase[s.Case.ID]; !ok {
			order = append(order, s.Case.ID)
		}
		byCase[s.Case.ID] = append(byCase[s.Case.ID], s)
	}
	done := 0
	for _, id := range order {
		group := byCase[id]
		c := group[0].Case
		Describe(fmt.Sprintf("%s: %s (%s)", c.ID, c.Title, c.Clause), Label("pattern:"+c.Pattern, "grade:"+string(c.Grade)), func() {
			for _, s := range group {
				labels := Label(s.Labels()[2:]...) // pattern and grade sit on the Describe
				// Longer than an isolated child's own limit, so a hung child
				// is reported as a hang rather than as an interrupted run.
				timeout := time.Duration(float64(c.Timeout)*max(cfg.TimeScale, 1)) + childSlack + 10*time.Second
				It(fmt.Sprintf("[%s:%s %s]", s.Subject, s.Peer, s.Transport), labels, SpecTimeout(timeout), func(ctx SpecContext) {
					rec := runSpec(ctx, cfg, st, s, drv)
					st.mu.Lock()
					done++
					n := done
					st.mu.Unlock()
					if cfg.Progress != nil {
						cfg.Progress(n, len(specs), rec)
					}
					conclude(rec)
				})
			}
		})
	}
	return st, nil
}

// runSpec runs one cell and records its result.
func runSpec(ctx context.Context, cfg *Config, st *State, s Spec, drv map[string]drivers.Driver) *reports.Record {
	pairing := scenarios.Pairing{Subject: drv[s.Subject], Peer: drv[s.Peer]}
	rec, decided := scenarios.Gate(s.Case, pairing, s.Transport, scenarios.Options{Repro: Repro(s)})
	switch {
	case decided:
		// N/A or UNIMPLEMENTED: nothing runs, so no child is needed.
	case cfg.Isolation != nil:
		rec = runIsolated(ctx, cfg.Isolation, s, cfg.TimeScale)
	default:
		rec = scenarios.Run(ctx, s.Case, pairing, s.Transport,
			scenarios.Options{Endpoints: st.eps, TimeScale: cfg.TimeScale, Repro: Repro(s)})
	}
	if rec.Verdict == "" {
		st.mu.Lock()
		st.HarnessErrors = append(st.HarnessErrors, fmt.Sprintf("%s: %s", s.Name(), rec.Reason))
		st.mu.Unlock()
	} else {
		cfg.Expectations.Judge(rec, cfg.FailOn)
	}
	st.mu.Lock()
	st.Records = append(st.Records, rec)
	st.mu.Unlock()
	if cfg.Emit != nil {
		if err := cfg.Emit(rec); err != nil {
			st.mu.Lock()
			st.EmitErrors = append(st.EmitErrors, err)
			st.mu.Unlock()
		}
	}
	AddReportEntry("record", rec, ReportEntryVisibilityNever)
	return rec
}

// conclude turns a record into the spec's Ginkgo outcome: unexpected
// results fail, UNIMPLEMENTED and N/A skip with their reason (never a
// pass), everything else passes.
func conclude(rec *reports.Record) {
	switch {
	case rec.Verdict == "":
		Fail("harness error (not a verdict about the implementation): " + rec.Reason)
	case rec.Unexpected:
		Fail(FailureMessage(rec))
	case rec.Verdict == reports.Unimplemented || rec.Verdict == reports.NotApplicable:
		Skip(string(rec.Verdict) + ": " + rec.Reason)
	}
}

// FailureMessage is the text shown for an unexpected result: the
// requirement, what was expected, what happened, and how to rerun it.
func FailureMessage(rec *reports.Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", rec.Verdict)
	if rec.FailKind != "" {
		fmt.Fprintf(&b, " (%s)", rec.FailKind)
	}
	if rec.ExpectedVerdict != "" {
		fmt.Fprintf(&b, ", expected %s per expectations", rec.ExpectedVerdict)
	}
	fmt.Fprintf(&b, "\n  %s %s: %s\n", rec.Clause, rec.Grade, rec.Require)
	for _, e := range rec.Expected {
		fmt.Fprintf(&b, "  expected: %s\n", e)
	}
	if rec.Actual != "" {
		fmt.Fprintf(&b, "  actual:   %s\n", rec.Actual)
	}
	if rec.Reason != "" {
		fmt.Fprintf(&b, "  %s\n", rec.Reason)
	}
	fmt.Fprintf(&b, "  rerun:    %s\n", rec.Repro)
	return b.String()
}
