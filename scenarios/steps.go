package scenarios

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// steps runs a list of steps in order until one is violated. loop is the
// index of the innermost repeat, used for {i} in steps without a count.
func (r *runner) steps(steps []*Step, loop int) {
	for _, s := range steps {
		if r.stopped() {
			return
		}
		r.step(s, loop)
	}
}

func (r *runner) step(s *Step, loop int) {
	switch s.Kind {
	case StepSend:
		r.send(s, loop)
	case StepRecv:
		r.recv(s, loop)
	case StepNoMessage:
		r.noMessage(s)
	case StepCollect:
		r.collect(s)
	case StepServe:
		r.serve(s)
	case StepSync:
		r.sync(s)
	case StepSetOption:
		if sock := r.live(s.Socket, s.Pos); sock != nil {
			r.setOption(s.Socket, sock, s.Option, s.Pos)
		}
	case StepOpen:
		r.open(r.c.role(s.Socket), s.Pos)
	case StepClose:
		r.closeRole(s)
	case StepBind, StepConnect:
		if sock := r.live(s.Socket, s.Pos); sock != nil {
			r.bindOrConnect(s.Socket, sock, s.Kind == StepBind, s.Endpoint, s.Pos)
		}
	case StepSettle:
		r.log("", "settle", fmt.Sprintf("%s: %s", s.Duration, s.Why), nil)
		select {
		case <-time.After(r.scale(s.Duration)):
		case <-r.ctx.Done():
		}
	case StepParallel:
		var wg sync.WaitGroup
		for _, b := range s.Branches {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.steps(b, loop)
			}()
		}
		wg.Wait()
	case StepRepeat:
		for i := 0; i < s.Times && !r.stopped(); i++ {
			r.steps(s.Body, i)
		}
	case StepPoll, StepPollTimeout:
		r.poll(s)
	case StepTerminate:
		r.terminate(s)
	default:
		if !r.wireStep(s) {
			r.harnessErr(fmt.Errorf("%s: step kind %q has no interpreter", s.Pos, s.Kind))
		}
	}
}

// live returns the open socket of role or records a harness error: a step
// on a closed role is a scenario bug.
func (r *runner) live(role string, at Pos) drivers.Socket {
	s := r.socket(role)
	if s == nil {
		r.harnessErr(fmt.Errorf("%s: role %s is not open at this step", at, role))
	}
	return s
}

// usable returns the socket a send or recv step acts on: an open one, or,
// when the step expects an error, one the case has closed (using a closed
// socket must fail with the closed kind, not crash).
func (r *runner) usable(s *Step) drivers.Socket {
	if len(s.Errors) > 0 {
		r.mu.Lock()
		sock, closed := r.closed[s.Socket]
		r.mu.Unlock()
		if closed && r.socket(s.Socket) == nil {
			return sock
		}
	}
	return r.live(s.Socket, s.Pos)
}

func (r *runner) closeRole(s *Step) {
	sock := r.live(s.Socket, s.Pos)
	if sock == nil {
		return
	}
	r.mu.Lock()
	delete(r.sockets, s.Socket)
	r.closed[s.Socket] = sock
	r.mu.Unlock()
	err := sock.Close()
	r.log(s.Socket, "close", "", err)
	if err != nil {
		r.fail(&violation{kind: reports.KindError, expected: []string{"close succeeds"}, actual: err.Error(), at: s.Pos})
	}
}

// callCtx bounds one driver call: the step's timeout or Tw, scaled.
func (r *runner) callCtx(timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout == 0 {
		timeout = Tw
	}
	return context.WithTimeout(r.ctx, r.scale(timeout))
}

// rounds yields the {i} of each call of a send or recv step: 0..count-1,
// or the enclosing repeat's round once when the step has no count. It stops
// early once the case is decided.
func (r *runner) rounds(s *Step, loop int) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		if s.Count == 0 {
			if !r.stopped() {
				yield(loop)
			}
			return
		}
		for i := 0; i < s.Count && !r.stopped(); i++ {
			if !yield(i) {
				return
			}
		}
	}
}

func (r *runner) send(s *Step, loop int) {
	sock := r.usable(s)
	if sock == nil {
		return
	}
	for idx := range r.rounds(s, loop) {
		m, err := expand(s.Frames, idx, r.vars)
		if err != nil {
			r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
			return
		}
		ctx, cancel := r.callCtx(s.Timeout)
		t0 := time.Now()
		err = sock.Send(ctx, m)
		elapsed := time.Since(t0)
		cancel()
		r.log(s.Socket, "send", render(m), err)
		if !r.checkOutcome(s, "send "+render(m), err, elapsed) {
			return
		}
	}
}

// checkOutcome grades a call's error and timing against the step. It
// returns false when the run should stop.
func (r *runner) checkOutcome(s *Step, what string, err error, elapsed time.Duration) bool {
	if len(s.Errors) > 0 {
		if err == nil && contains(s.Errors, "ok") {
			return r.checkTiming(s, what, elapsed) // success is one of the allowed outcomes
		}
		if err == nil {
			r.fail(&violation{kind: reports.KindMismatch, expected: errorsWanted(s), actual: what + " succeeded", grade: s.Grade, at: s.Pos})
			return false
		}
		if !kindMatches(s.Errors, err) {
			r.fail(&violation{kind: reports.KindMismatch, expected: errorsWanted(s), actual: fmt.Sprintf("%s failed with %s: %v", what, drivers.KindOf(err), err), grade: s.Grade, at: s.Pos})
			return false
		}
	} else if err != nil {
		kind := reports.KindError
		switch drivers.KindOf(err) {
		case drivers.KindTimeout:
			kind = reports.KindTimeout
		case drivers.KindCrashed:
			kind = reports.KindCrash
		case drivers.KindHung:
			kind = reports.KindHang
		}
		if drivers.KindOf(err) == drivers.KindUnsupported {
			r.callErr(s.Socket, what, err, s.Pos)
			return false
		}
		r.fail(&violation{kind: kind, expected: []string{what + " succeeds"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
		return false
	}
	return r.checkTiming(s, what, elapsed)
}

// checkTiming applies decisions.md ruling 4: returning before at_least is
// a violation of the case's grade; after at_most, NON-STRICT.
func (r *runner) checkTiming(s *Step, what string, elapsed time.Duration) bool {
	if s.AtLeast > 0 && elapsed < s.AtLeast {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("%s returns after at least %s", what, s.AtLeast)}, actual: fmt.Sprintf("returned after %s", elapsed.Round(time.Microsecond)), grade: s.Grade, at: s.Pos})
		return false
	}
	if s.AtMost > 0 {
		limit := r.scale(s.AtMost)
		if elapsed > limit {
			g := reports.Should
			if r.c.Grade == reports.May {
				g = reports.May
			}
			r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("%s returns within %s", what, limit)}, actual: fmt.Sprintf("returned after %s", elapsed.Round(time.Microsecond)), grade: g, at: s.Pos})
			return false
		}
	}
	if s.AtLeast > 0 || s.AtMost > 0 {
		r.observe(fmt.Sprintf("%s returned after %s", what, elapsed.Round(time.Millisecond)))
	}
	return true
}

func errorsWanted(s *Step) []string {
	var out []string
	for _, e := range s.Errors {
		switch e {
		case "ok":
			out = append(out, "success")
			continue
		case "any":
			out = append(out, "an error")
		default:
			out = append(out, "error "+e)
		}
	}
	return out
}

func kindMatches(wanted []string, err error) bool {
	k := drivers.KindOf(err).String()
	for _, w := range wanted {
		if w == "any" || w == k {
			return true
		}
	}
	return false
}

func (r *runner) recv(s *Step, loop int) {
	sock := r.usable(s)
	if sock == nil {
		return
	}
	for idx := range r.rounds(s, loop) {
		ctx, cancel := r.callCtx(s.Timeout)
		t0 := time.Now()
		m, meta, err := r.recvWithMeta(ctx, s, sock)
		elapsed := time.Since(t0)
		cancel()
		detail := ""
		if err == nil {
			detail = render(m)
		}
		r.log(s.Socket, "recv", detail, err)
		if !r.checkOutcome(s, "recv", err, elapsed) || err != nil {
			return
		}
		if !r.matchMsg(s, m, idx) {
			return
		}
		if len(s.Metadata) > 0 && !r.matchMetadata(s, meta, idx) {
			return
		}
		for name, k := range s.Save {
			if k >= len(m) {
				r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("a message with at least %d frames", k+1)}, actual: render(m), grade: s.Grade, at: s.Pos})
				return
			}
			r.mu.Lock()
			r.vars[name] = append([]byte(nil), m[k]...)
			r.mu.Unlock()
		}
	}
}

// matchMsg checks a received message against frames or prefix.
func (r *runner) matchMsg(s *Step, m drivers.Msg, idx int) bool {
	want, exact := s.Frames, true
	if s.Prefix != nil {
		want, exact = s.Prefix, false
	}
	if want == nil {
		return true // any: true
	}
	w, err := expand(want, idx, r.vars)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
		return false
	}
	got := m
	if !exact && len(m) >= len(w) {
		got = m[:len(w)]
	}
	if !got.Equal(w) {
		exp := render(w)
		if !exact {
			exp = "a message starting with " + exp
		}
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{exp}, actual: render(m), grade: s.Grade, at: s.Pos})
		return false
	}
	return true
}

// noMessage requires silence on every listed socket for the window.
func (r *runner) noMessage(s *Step) {
	within := r.scale(s.Within)
	var wg sync.WaitGroup
	for _, role := range s.Sockets {
		sock := r.live(role, s.Pos)
		if sock == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.ctx, within)
			defer cancel()
			m, err := r.recvFrom(ctx, role, sock)
			if err == nil {
				r.log(role, "recv", render(m), nil)
				r.fail(&violation{kind: reports.KindMismatch, expected: []string{fmt.Sprintf("no message on %s within %s", role, within)}, actual: "received " + render(m), grade: s.Grade, at: s.Pos})
				return
			}
			r.log(role, "recv", fmt.Sprintf("nothing within %s", within), err)
			if k := drivers.KindOf(err); k != drivers.KindTimeout && r.ctx.Err() == nil {
				r.fail(&violation{kind: reports.KindError, expected: []string{"recv times out quietly"}, actual: err.Error(), grade: s.Grade, at: s.Pos})
			}
		}()
	}
	wg.Wait()
}
