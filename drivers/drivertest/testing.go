package drivertest

import (
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// Run checks d against the driver contract with both ends on d: one
// subtest per case, named like "reqrep/tcp/REP-binds/single-frame" or
// "timeout/PULL". A case that cannot apply is skipped with the reason.
func Run(t *testing.T, d drivers.Driver) {
	t.Helper()
	runCases(t, plan(d, d, Options{}.withDefaults()), Options{})
}

// RunPair runs the message cases with one end on a and the other on b,
// in every arrangement (either driver binding, either driver on either
// side of the pattern), over transports (default: every transport both
// support). Inproc cannot join two drivers; it is skipped, saying so.
func RunPair(t *testing.T, a, b drivers.Driver, transports ...drivers.Transport) {
	t.Helper()
	opts := Options{Transports: transports, MessagesOnly: true}
	runCases(t, plan(a, b, opts.withDefaults()), opts)
}

func runCases(t *testing.T, cases []caseSpec, opts Options) {
	t.Helper()
	var worst time.Duration
	timed := false
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			o := opts
			o.Logf = t.Logf
			r := execute(c, o.withDefaults())
			if r.Overshoot > 0 {
				t.Logf("worst timeout overshoot: %v", r.Overshoot)
			}
			worst = max(worst, r.Overshoot)
			timed = timed || strings.HasPrefix(c.name, "timeout/")
			for _, f := range r.Failures {
				t.Error(f)
			}
		})
	}
	if timed {
		t.Logf("worst timeout overshoot over all cases: %v (bound %v)", worst, TimeoutSlack)
	}
}
