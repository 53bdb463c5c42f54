package drivertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zharness/zharness/drivers"
)

// caseSpec is one planned case: a name, or a reason it cannot apply, and
// the function that exercises the driver.
type caseSpec struct {
	name string
	skip string
	run  func(r *run)
}

// hangGrace is how long a case may keep running after the watchdog closed
// its contexts before it is abandoned as hung.
const hangGrace = 5 * time.Second

// run is the state of one executing case. Its methods may be called from
// the case's goroutines concurrently.
type run struct {
	name string
	opts Options

	mu        sync.Mutex
	failures  []error
	overshoot time.Duration
	ctxs      []*trackedContext
	eps       *drivers.Endpoints
	stopped   atomic.Bool // set by the watchdog: later failures are fallout
}

// trackedContext lets the case's cleanup and the watchdog both close a
// context without calling Close twice and without blocking on each other.
type trackedContext struct {
	drivers.Context
	closed atomic.Bool
}

func (c *trackedContext) closeOnce() (error, bool) {
	if !c.closed.CompareAndSwap(false, true) {
		return nil, false
	}
	return c.Context.Close(), true
}

// execute runs c under the watchdog and returns its result.
func execute(c caseSpec, opts Options) CaseResult {
	res := CaseResult{Name: c.name, Skipped: c.skip}
	if c.skip != "" {
		return res
	}
	r := &run{name: c.name, opts: opts}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer r.cleanup()
		defer r.recoverPanic("")
		c.run(r)
	}()
	watchdog := time.NewTimer(opts.CaseTimeout)
	defer watchdog.Stop()
	select {
	case <-done:
	case <-watchdog.C:
		// Like nettest's timeoutWrapper: report, then tear down what the
		// case holds so its blocked calls can return.
		r.fail("", "watchdog", fmt.Sprintf("case still running after %v", opts.CaseTimeout),
			"every call bounded by its deadline")
		r.stopped.Store(true)
		closed := make(chan struct{})
		go func() {
			defer close(closed)
			r.closeContexts(false)
		}()
		// Wait for the teardown as well as the case, so nothing of this
		// case is still running when the next one starts.
		grace := time.NewTimer(hangGrace)
		defer grace.Stop()
		for done != nil || closed != nil {
			select {
			case <-done:
				done = nil
			case <-closed:
				closed = nil
			case <-grace.C:
				r.forceFail("", "watchdog", fmt.Sprintf("case still blocked %v after its contexts were closed; abandoned", hangGrace),
					"blocked calls released by Context.Close")
				done, closed = nil, nil
			}
		}
	}
	res.Duration = time.Since(start)
	r.mu.Lock()
	res.Failures = append([]error(nil), r.failures...)
	res.Overshoot = r.overshoot
	r.mu.Unlock()
	return res
}

// fail records a misbehaviour, unless the watchdog already stopped the
// case (then errors are the teardown's fallout, not new facts).
func (r *run) fail(subject, op, got, want string) {
	if r.stopped.Load() {
		return
	}
	r.forceFail(subject, op, got, want)
}

func (r *run) forceFail(subject, op, got, want string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, &Failure{Case: r.name, Subject: subject, Op: op, Got: got, Want: want})
}

func (r *run) logf(format string, args ...any) {
	if r.opts.Logf != nil {
		r.opts.Logf(format, args...)
	}
}

// recordOvershoot keeps the worst lateness of a timed-out call.
func (r *run) recordOvershoot(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.overshoot = max(r.overshoot, d)
}

// recoverPanic turns a panic of the driver into a failure of the case.
func (r *run) recoverPanic(subject string) {
	if v := recover(); v != nil {
		// The failure stays one line; the stack goes to the log.
		r.logf("%s: panic: %v\n%s", r.name, v, debug.Stack())
		r.forceFail(subject, "call", fmt.Sprintf("panic: %v", v), "no panic")
	}
}

// goDo runs fns concurrently and waits for all; a panic in one is a failure.
func (r *run) goDo(fns ...func()) {
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Go(func() {
			defer r.recoverPanic("")
			fn()
		})
	}
	wg.Wait()
}

// newContext creates a context of d that the case's cleanup will close.
func (r *run) newContext(d drivers.Driver) (*trackedContext, bool) {
	c, err := d.NewContext()
	if err != nil {
		r.fail(d.Name(), "NewContext", describeErr(err), "a context")
		return nil, false
	}
	tc := &trackedContext{Context: c}
	r.mu.Lock()
	r.ctxs = append(r.ctxs, tc)
	r.mu.Unlock()
	return tc, true
}

// endpoints returns the case's endpoint allocator, creating it on first use.
func (r *run) endpoints() (*drivers.Endpoints, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.eps == nil {
		eps, err := drivers.NewEndpoints()
		if err != nil {
			// The harness's own failure, not the driver's; still a reason
			// the case cannot pass.
			r.failures = append(r.failures, &Failure{Case: r.name, Op: "NewEndpoints", Got: err.Error(), Want: "an endpoint allocator"})
			return nil, false
		}
		r.eps = eps
	}
	return r.eps, true
}

// inprocSeq numbers inproc endpoints across the whole process. Endpoints
// numbers them per allocator, so two cases would reuse a name, and some
// implementations (go-zeromq) keep one inproc namespace per process: a
// name a previous case failed to release would then join two cases.
var inprocSeq atomic.Int64

// endpoint allocates a fresh endpoint on t.
func (r *run) endpoint(t drivers.Transport) (string, bool) {
	if t == drivers.Inproc {
		return fmt.Sprintf("inproc://drivertest-%d-%d", os.Getpid(), inprocSeq.Add(1)), true
	}
	eps, ok := r.endpoints()
	if !ok {
		return "", false
	}
	ep, err := eps.New(t)
	if err != nil {
		r.fail("", "Endpoints.New("+string(t)+")", err.Error(), "an endpoint")
		return "", false
	}
	return ep, true
}

// closeContexts closes every context not yet closed; report says whether
// a Close error is a failure (not when the watchdog tears down).
func (r *run) closeContexts(report bool) {
	r.mu.Lock()
	ctxs := append([]*trackedContext(nil), r.ctxs...)
	r.mu.Unlock()
	for _, c := range ctxs {
		err, did := c.closeOnce()
		if did && err != nil && report {
			r.fail("", "Context.Close", describeErr(err), "nil")
		}
	}
}

// cleanup closes the case's contexts, then its endpoints, and checks that
// the ipc directory is gone.
func (r *run) cleanup() {
	r.closeContexts(true)
	r.mu.Lock()
	eps := r.eps
	r.mu.Unlock()
	if eps == nil {
		return
	}
	if err := eps.Close(); err != nil {
		r.fail("", "Endpoints.Close", err.Error(), "nil")
	}
	if _, err := os.Stat(eps.Dir()); !errors.Is(err, os.ErrNotExist) {
		r.fail("", "ipc directory "+eps.Dir()+" after Endpoints.Close", fmt.Sprintf("stat error %v", err), "it is gone")
	}
}

// bounded returns a context that expires after d.
func bounded(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// describeErr renders err with its kind, the part the contract judges.
func describeErr(err error) string {
	if err == nil {
		return "nil"
	}
	return fmt.Sprintf("error of kind %s (%v)", drivers.KindOf(err), err)
}

// wantKind records a failure unless err has kind want.
func (r *run) wantKind(subject, op string, err error, want drivers.Kind) bool {
	if drivers.KindOf(err) == want {
		return true
	}
	r.fail(subject, op, describeErr(err), "error of kind "+want.String())
	return false
}
