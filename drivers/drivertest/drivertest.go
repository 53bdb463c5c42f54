package drivertest

import (
	"errors"
	"fmt"
	"time"

	"github.com/zharness/zharness/drivers"
)

// Options tunes a check. The zero value checks everything with the
// default bounds.
type Options struct {
	// Transports restricts the transports checked; nil means every
	// transport the driver (or both drivers) supports.
	Transports []drivers.Transport
	// MessagesOnly skips the single-driver property cases (timeouts,
	// closed sockets, unsupported requests, context close), as RunPair does.
	MessagesOnly bool
	// Filter, when set, keeps only the cases whose name it accepts
	// (e.g. "reqrep/tcp/REP-binds/multipart").
	Filter func(name string) bool
	// RecvDeadline is the deadline of the Recv calls that must time out
	// (default 150 ms).
	RecvDeadline time.Duration
	// CallTimeout bounds every Send and Recv that is expected to succeed
	// (default 5 s).
	CallTimeout time.Duration
	// SyncTimeout bounds PUB/SUB probing (default 5 s).
	SyncTimeout time.Duration
	// CaseTimeout is the watchdog of one case (default 60 s).
	CaseTimeout time.Duration
	// Logf, when set, receives progress notes (probe counts, overshoots).
	Logf func(format string, args ...any)
}

// TimeoutSlack is the contract's upper bound on how late a call may return
// after its deadline (decisions.md, ruling 4).
const TimeoutSlack = 100 * time.Millisecond

// clockGranularity is how early a timed-out call may return without being
// judged early: deadlines are often rounded to whole milliseconds.
const clockGranularity = time.Millisecond

func (o Options) withDefaults() Options {
	if o.RecvDeadline <= 0 {
		o.RecvDeadline = 150 * time.Millisecond
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 5 * time.Second
	}
	if o.SyncTimeout <= 0 {
		o.SyncTimeout = 5 * time.Second
	}
	if o.CaseTimeout <= 0 {
		o.CaseTimeout = 60 * time.Second
	}
	return o
}

// Failure is one misbehaviour. Its text has the form
// "subject: op: got X, want Y", where the subject names the case and the
// socket (role@driver) whose behaviour was judged.
type Failure struct {
	Case    string // e.g. "reqrep/tcp/REP-binds/multipart"
	Subject string // e.g. "REP@gozmq"
	Op      string // e.g. "Recv message 2 of 3"
	Got     string
	Want    string
}

// Error renders the failure as one line.
func (f *Failure) Error() string {
	subject := f.Case
	if f.Subject != "" {
		subject += " " + f.Subject
	}
	return fmt.Sprintf("%s: %s: got %s, want %s", subject, f.Op, f.Got, f.Want)
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name string
	// Skipped, when non-empty, says why the case could not apply (a
	// capability one side lacks, inproc across drivers); it is neither a
	// pass nor a failure.
	Skipped string
	// Failures holds every misbehaviour seen, each a *Failure.
	Failures []error
	// Overshoot is the worst time a timed-out call took beyond its
	// deadline in this case (zero when none was measured or none was late).
	Overshoot time.Duration
	// Duration is how long the case ran.
	Duration time.Duration
}

// Result is the outcome of Evaluate.
type Result struct {
	Cases []CaseResult
}

// Err joins every failure of every case, nil when there is none.
func (r Result) Err() error {
	var errs []error
	for _, c := range r.Cases {
		errs = append(errs, c.Failures...)
	}
	return errors.Join(errs...)
}

// WorstOvershoot is the largest Overshoot over all cases.
func (r Result) WorstOvershoot() time.Duration {
	var w time.Duration
	for _, c := range r.Cases {
		w = max(w, c.Overshoot)
	}
	return w
}

// Evaluate runs every case of the plan for d with peer as the other end
// of messages (peer nil or of the same name: both ends on d) and returns
// each case's outcome. With a different peer, each message case runs in
// the four arrangements of RunPair; the property cases (timeouts, closed
// sockets, unsupported requests, context close) always judge d alone.
func Evaluate(d, peer drivers.Driver, opts Options) Result {
	opts = opts.withDefaults()
	var res Result
	for _, c := range plan(d, peer, opts) {
		res.Cases = append(res.Cases, execute(c, opts))
	}
	return res
}

// Check runs the same cases as Evaluate and returns errors.Join of every
// misbehaviour, one *Failure per line, or nil. Callers that need the
// timeout overshoot or the skipped cases use Evaluate.
func Check(d, peer drivers.Driver, opts Options) error {
	return Evaluate(d, peer, opts).Err()
}
