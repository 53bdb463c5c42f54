package drivertest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"
	_ "github.com/zharness/zharness/drivers/gozmq"
)

// realDriver is the driver the broken wrappers wrap: gozmq, because it
// needs no cgo.
func realDriver(t *testing.T) drivers.Driver {
	t.Helper()
	d, err := drivers.Lookup("gozmq")
	if err != nil {
		t.Fatalf("lookup gozmq: %v", err)
	}
	return d
}

// only keeps the cases named exactly as given.
func only(names ...string) func(string) bool {
	return func(n string) bool {
		for _, x := range names {
			if n == x {
				return true
			}
		}
		return false
	}
}

// failuresIn returns the failures of res whose case is name.
func failuresIn(res drivertest.Result, name string) []error {
	for _, c := range res.Cases {
		if c.Name == name {
			return c.Failures
		}
	}
	return nil
}

// TestCheckerCatchesFaults proves each check can fail: the broken wrapper
// must be reported in the named case with a line containing want, while
// the same case passes on the real driver underneath (otherwise the
// result would say nothing about the checker and the test is skipped).
func TestCheckerCatchesFaults(t *testing.T) {
	real := realDriver(t)
	tests := []struct {
		f     fault
		cases []string // cases to run; the first must catch the fault
		want  string   // substring of a failure line of the first case
		opts  drivertest.Options
	}{
		{faultDropEmpty, []string{"pushpull/tcp/PULL-binds/multipart"}, "Recv message 1 of 3: got 3 frames", drivertest.Options{}},
		{faultTruncate, []string{"pair/ipc/PAIR-binds/multipart"}, "<1048575 bytes", drivertest.Options{}},
		{faultReorder, []string{"pubsub/tcp/SUB-binds/single-frame"}, `Recv message 1 of 5: got 1 frame ["drivertest request single-frame 1"]`, drivertest.Options{}},
		{faultReorder, []string{"dealerrouter/tcp/ROUTER-binds/single-frame"}, "Recv message 1 of 5 after identity", drivertest.Options{}},
		{faultWrongKind, []string{"timeout/PULL"}, "got error of kind other", drivertest.Options{}},
		{faultWrongKind, []string{"closed/DEALER"}, "Send after Close: got error of kind other", drivertest.Options{}},
		{faultEarly, []string{"timeout/SUB"}, "want no return before the deadline", drivertest.Options{}},
		{faultLate, []string{"timeout/REP"}, "after the deadline, want at most 100ms after it", drivertest.Options{}},
		{faultAcceptAll, []string{"unsupported/options"}, "SetOption(CONFLATE, 1): got nil, want error of kind unsupported", drivertest.Options{}},
		{faultOverclaim, []string{"unsupported/socket-types"}, "NewSocket(PAIR): got a socket, want error of kind unsupported", drivertest.Options{}},
		{faultPanic, []string{"closed/PUSH"}, "Close again: got panic", drivertest.Options{}},
		{faultPanic, []string{"context-close"}, "Close after Context.Close: got panic", drivertest.Options{}},
		{faultHang, []string{"pushpull/inproc/PULL-binds/single-frame"}, "watchdog: got case still running after 1s",
			drivertest.Options{CaseTimeout: time.Second}},
	}
	for _, tc := range tests {
		t.Run(string(tc.f)+"/"+tc.cases[0], func(t *testing.T) {
			opts := tc.opts
			opts.Filter = only(tc.cases...)
			opts.Logf = t.Logf
			control := drivertest.Evaluate(real, nil, opts)
			if len(control.Cases) == 0 {
				t.Fatalf("no case named %q in the plan for %s", tc.cases[0], real.Name())
			}
			if fs := failuresIn(control, tc.cases[0]); len(fs) > 0 {
				t.Skipf("inconclusive: %s itself fails %s: %v", real.Name(), tc.cases[0], errors.Join(fs...))
			}
			broken := &brokenDriver{Driver: real, f: tc.f}
			res := drivertest.Evaluate(broken, nil, opts)
			fs := failuresIn(res, tc.cases[0])
			for _, f := range fs {
				if strings.Contains(f.Error(), tc.want) {
					t.Logf("caught: %v", f)
					return
				}
			}
			t.Errorf("%s: no failure containing %q; failures: %v", tc.cases[0], tc.want, errors.Join(fs...))
		})
	}
}

// TestCheckErrorShape: Check joins one *Failure per misbehaviour, each a
// single "subject: op: got X, want Y" line, reachable with errors.As.
func TestCheckErrorShape(t *testing.T) {
	broken := &brokenDriver{Driver: realDriver(t), f: faultWrongKind}
	err := drivertest.Check(broken, nil, drivertest.Options{Filter: only("closed/PAIR")})
	if err == nil {
		t.Fatal("Check: got nil, want the wrong-kind failures")
	}
	var f *drivertest.Failure
	if !errors.As(err, &f) {
		t.Fatalf("errors.As(*Failure): got false for %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) < 2 {
		t.Errorf("got %d failure lines, want one each for Send and Recv: %v", len(lines), err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "closed/PAIR PAIR@broken-wrong-kind: ") || !strings.Contains(l, ": got ") || !strings.Contains(l, ", want ") {
			t.Errorf("line %q: want the form \"subject: op: got X, want Y\"", l)
		}
	}
}

// TestWorstOvershoot: the result exposes the lateness of timed-out calls.
func TestWorstOvershoot(t *testing.T) {
	broken := &brokenDriver{Driver: realDriver(t), f: faultLate}
	res := drivertest.Evaluate(broken, nil, drivertest.Options{Filter: only("timeout/PULL")})
	if got := res.WorstOvershoot(); got < 150*time.Millisecond {
		t.Errorf("WorstOvershoot: got %v, want ≥ 150ms (the injected lateness)", got)
	}
}

// TestInprocAcrossDriversIsNotApplicable: inproc between two drivers is
// reported as skipped with the reason, never run and never passed.
func TestInprocAcrossDriversIsNotApplicable(t *testing.T) {
	real := realDriver(t)
	other := &brokenDriver{Driver: real, f: faultNone}
	res := drivertest.Evaluate(real, other, drivertest.Options{Transports: []drivers.Transport{drivers.Inproc}, MessagesOnly: true})
	if len(res.Cases) == 0 {
		t.Fatal("no cases planned")
	}
	for _, c := range res.Cases {
		if c.Skipped == "" || !strings.Contains(c.Skipped, "not applicable") {
			t.Errorf("%s: got skipped=%q failures=%v, want skipped as not applicable", c.Name, c.Skipped, c.Failures)
		}
	}
}

// TestPairArrangements: across two drivers every message case runs in
// four arrangements (each driver binding, each on each side).
func TestPairArrangements(t *testing.T) {
	real := realDriver(t)
	other := &brokenDriver{Driver: real, f: faultNone}
	var names []string
	drivertest.Evaluate(real, other, drivertest.Options{
		MessagesOnly: true,
		Transports:   []drivers.Transport{drivers.TCP},
		Filter: func(n string) bool {
			if strings.HasPrefix(n, "reqrep/") && strings.HasSuffix(n, "/single-frame") {
				names = append(names, n)
			}
			return false // plan only
		},
	})
	want := []string{
		"reqrep/tcp/REP@gozmq-binds/single-frame",
		"reqrep/tcp/REQ@broken-none-binds/single-frame",
		"reqrep/tcp/REP@broken-none-binds/single-frame",
		"reqrep/tcp/REQ@gozmq-binds/single-frame",
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("arrangements: got %q, want %q", names, want)
	}
}
