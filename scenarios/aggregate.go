package scenarios

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// pollSlice is how long one receive in a multi-socket read waits before
// the reader checks whether it should stop. A timed-out receive stays in
// flight in drivers that cannot cancel it and hands its message to the
// next receive, so nothing is lost by slicing.
const pollSlice = 10 * time.Millisecond

// sliceCtx bounds one sliced receive: pollSlice, or less if ctx's deadline
// comes first. Stopping the readers (cancelling ctx) does not cut a slice
// short: a receive abandoned in flight would, in a driver that cannot
// cancel it (an agent), go on inside the implementation and could take a
// message the next step expects to find there (a poll would not see it).
func sliceCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := pollSlice
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl))
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// arrival is one message read during a collect, serve or sync.
type arrival struct {
	role string
	msg  drivers.Msg
	at   time.Duration
}

// readUntil reads from every role concurrently (one reader per socket)
// until stop returns true or the window passes. It returns the arrivals
// in the order they were read.
func (r *runner) readUntil(roles []string, window time.Duration, stop func([]arrival) bool, at Pos) ([]arrival, bool) {
	return r.readReplying(roles, window, stop, nil, at)
}

// readReplying is readUntil where each socket answers every message it
// reads with reply (keeping the envelope on ROUTER and DEALER), so a REP
// can be read many times in one collect.
func (r *runner) readReplying(roles []string, window time.Duration, stop func([]arrival) bool, reply []Frame, at Pos) ([]arrival, bool) {
	ctx, cancel := context.WithTimeout(r.ctx, window)
	defer cancel()
	var (
		mu       sync.Mutex
		arrivals []arrival
		done     atomic.Bool
		wg       sync.WaitGroup
	)
	finished := make(chan struct{})
	socks := make([]drivers.Socket, len(roles))
	for i, role := range roles {
		if socks[i] = r.live(role, at); socks[i] == nil {
			return nil, false
		}
	}
	for i, role := range roles {
		sock := socks[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done.Load() && ctx.Err() == nil {
				cctx, ccancel := sliceCtx(ctx)
				m, err := r.recvFrom(cctx, role, sock)
				ccancel()
				if err != nil {
					if ctx.Err() != nil || done.Load() {
						break
					}
					if k := drivers.KindOf(err); k != drivers.KindTimeout {
						r.log(role, "recv", "", err)
						r.fail(&violation{kind: reports.KindError, expected: []string{"recv succeeds"}, actual: err.Error(), at: at})
						done.Store(true)
						cancel()
					}
					continue
				}
				if done.Load() {
					// The step is complete; this message is for the next read.
					r.putPending(role, m)
					break
				}
				r.log(role, "recv", render(m), nil)
				if reply != nil && !r.replyTo(ctx, role, sock, m, reply, at) {
					done.Store(true)
					cancel()
					continue
				}
				mu.Lock()
				arrivals = append(arrivals, arrival{role: role, msg: m, at: time.Since(r.start)})
				if !done.Load() && stop(arrivals) {
					done.Store(true)
					close(finished)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	select {
	case <-finished:
		return arrivals, true
	default:
		return arrivals, false
	}
}

// replyTo answers m on sock; false when the reply failed (recorded).
func (r *runner) replyTo(ctx context.Context, role string, sock drivers.Socket, m drivers.Msg, reply []Frame, at Pos) bool {
	out, err := expand(reply, seqNumber(m), r.vars)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: %v", at, err))
		return false
	}
	if t := r.c.role(role).Type; t == drivers.ROUTER || t == drivers.DEALER {
		out = append(envelope(m), out...)
	}
	cctx, cancel := context.WithTimeout(ctx, r.scale(Tw))
	err = sock.Send(cctx, out)
	cancel()
	r.log(role, "send", render(out), err)
	if err != nil {
		r.fail(&violation{kind: reports.KindError, expected: []string{"reply " + render(out) + " succeeds"}, actual: err.Error(), at: at})
		return false
	}
	return true
}

func (r *runner) collect(s *Step) {
	within := s.Within
	if within == 0 {
		within = Tw
	}
	got, ok := r.readReplying(s.Sockets, r.scale(within), func(a []arrival) bool { return len(a) >= s.Count }, s.Reply, s.Pos)
	if r.stopped() {
		return
	}
	if !ok {
		r.fail(&violation{kind: reports.KindTimeout, expected: []string{fmt.Sprintf("%d messages on %s within %s", s.Count, strings.Join(s.Sockets, ", "), r.scale(within))}, actual: fmt.Sprintf("%d arrived: %s", len(got), distribution(got, s.Sockets)), grade: s.Grade, at: s.Pos})
		return
	}
	r.checkExpect(s, got, s.Sockets)
}

// distribution renders how many messages each role received.
func distribution(got []arrival, roles []string) string {
	n := map[string]int{}
	for _, a := range got {
		n[a.role]++
	}
	var parts []string
	for _, role := range roles {
		parts = append(parts, fmt.Sprintf("%s=%d", role, n[role]))
	}
	return strings.Join(parts, " ")
}

// checkExpect applies collect/serve expectations to the arrivals.
func (r *runner) checkExpect(s *Step, got []arrival, roles []string) {
	e := s.Expect
	bad := func(want, actual string) {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{want}, actual: actual, grade: s.Grade, at: s.Pos})
	}
	count := map[string]int{}
	for _, a := range got {
		count[a.role]++
	}
	dist := distribution(got, roles)
	r.observe("distribution " + dist)
	for _, role := range roles {
		switch {
		case e.PerSocket > 0 && count[role] != e.PerSocket:
			bad(fmt.Sprintf("each of %s receives exactly %d", strings.Join(roles, ", "), e.PerSocket), dist)
			return
		case e.MinPerSocket > 0 && count[role] < e.MinPerSocket:
			bad(fmt.Sprintf("each of %s receives at least %d", strings.Join(roles, ", "), e.MinPerSocket), dist)
			return
		case e.MaxPerSocket > 0 && count[role] > e.MaxPerSocket:
			bad(fmt.Sprintf("each of %s receives at most %d", strings.Join(roles, ", "), e.MaxPerSocket), dist)
			return
		}
	}
	if e.SameSocket {
		for _, a := range got {
			if a.role != got[0].role {
				bad("every message goes to the same socket", dist)
				return
			}
		}
	}
	if e.NoDuplicates {
		seen := map[string]bool{}
		for _, a := range got {
			k := a.role + render(a.msg)
			if seen[k] {
				bad("no message is received twice", "received twice: "+render(a.msg))
				return
			}
			seen[k] = true
		}
	}
	if e.ExactlyOnce {
		first := map[string]string{}
		for _, a := range got {
			k := render(a.msg)
			if who, dup := first[k]; dup {
				bad("each message is delivered to exactly one socket", fmt.Sprintf("%s reached both %s and %s", k, who, a.role))
				return
			}
			first[k] = a.role
		}
	}
	if e.InOrder {
		last := map[string]int{}
		for _, a := range got {
			n := seqNumber(a.msg)
			if p, ok := last[a.role]; ok && n <= p {
				bad(fmt.Sprintf("messages on %s arrive in the order sent", a.role), fmt.Sprintf("%s after %d", render(a.msg), p))
				return
			}
			last[a.role] = n
		}
	}
	if e.RoundRobin {
		if msg := roundRobin(got, len(roles)); msg != "" {
			bad(fmt.Sprintf("messages dealt to %s in turn", strings.Join(roles, ", ")), msg)
			return
		}
	}
	if e.FairQueue > 0 {
		for i := 0; i+e.FairQueue <= len(got); i += e.FairQueue {
			tags := map[string]bool{}
			var seq []string
			for _, a := range got[i : i+e.FairQueue] {
				tags[tag(a.msg)] = true
				seq = append(seq, tag(a.msg))
			}
			if len(tags) != e.FairQueue {
				bad(fmt.Sprintf("every %d consecutive reads come from %d different senders", e.FairQueue, e.FairQueue), fmt.Sprintf("reads %d–%d came from %s", i+1, i+e.FairQueue, strings.Join(seq, ",")))
				return
			}
		}
	}
}

// roundRobin checks that messages, ordered by their {i} number, were dealt
// cyclically over k sockets: the first k to distinct sockets and message i
// to the same socket as message i-k.
func roundRobin(got []arrival, k int) string {
	sorted := append([]arrival(nil), got...)
	sort.SliceStable(sorted, func(i, j int) bool { return seqNumber(sorted[i].msg) < seqNumber(sorted[j].msg) })
	var order []string
	for _, a := range sorted {
		order = append(order, fmt.Sprintf("%d→%s", seqNumber(a.msg), a.role))
	}
	seen := map[string]bool{}
	for i, a := range sorted {
		if i < k {
			if seen[a.role] {
				return "not dealt in turn: " + strings.Join(order, " ")
			}
			seen[a.role] = true
			continue
		}
		if sorted[i-k].role != a.role {
			return "not dealt in turn: " + strings.Join(order, " ")
		}
	}
	return ""
}

// serve runs lock-step request/reply rounds: the client sends, whichever
// server receives replies, the client reads the reply.
func (r *runner) serve(s *Step) {
	client := r.live(s.Socket, s.Pos)
	if client == nil {
		return
	}
	var got []arrival
	for i := 0; i < s.Count && !r.stopped(); i++ {
		if !r.serveOne(s, client, i, &got) {
			return
		}
	}
	if !r.stopped() {
		r.checkExpect(s, got, s.Sockets)
	}
}

func (r *runner) serveOne(s *Step, client drivers.Socket, i int, got *[]arrival) bool {
	req, err := expand(s.Frames, i, r.vars)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
		return false
	}
	ctx, cancel := r.callCtx(s.Timeout)
	err = client.Send(ctx, req)
	cancel()
	r.log(s.Socket, "send", render(req), err)
	if !r.checkOutcome(&Step{Pos: s.Pos, Grade: s.Grade, Socket: s.Socket}, "send "+render(req), err, 0) {
		return false
	}
	return r.finishRound(s, client, req, i, got)
}

// finishRound completes a request already sent: a server receives it and
// replies, and the client reads the reply.
func (r *runner) finishRound(s *Step, client drivers.Socket, req drivers.Msg, i int, got *[]arrival) bool {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = Tw
	}
	in, ok := r.readUntil(s.Sockets, r.scale(timeout), func(a []arrival) bool { return len(a) >= 1 }, s.Pos)
	if r.stopped() {
		return false
	}
	if !ok {
		r.fail(&violation{kind: reports.KindTimeout, expected: []string{fmt.Sprintf("request %s reaches one of %s", render(req), strings.Join(s.Sockets, ", "))}, actual: "no server received it", grade: s.Grade, at: s.Pos})
		return false
	}
	a := in[0]
	*got = append(*got, a)
	reply, err := expand(s.Reply, i, r.vars)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: %v", s.Pos, err))
		return false
	}
	server := r.socket(a.role)
	if t := r.c.role(a.role).Type; t == drivers.ROUTER || t == drivers.DEALER {
		// Keep the envelope (everything up to and including the empty
		// delimiter) so the reply routes back, as a broker would.
		reply = append(envelope(a.msg), reply...)
	}
	ctx, cancel := r.callCtx(s.Timeout)
	err = server.Send(ctx, reply)
	cancel()
	r.log(a.role, "send", render(reply), err)
	if !r.checkOutcome(&Step{Pos: s.Pos, Grade: s.Grade, Socket: a.role}, "reply "+render(reply), err, 0) {
		return false
	}
	ctx, cancel = r.callCtx(s.Timeout)
	back, err := client.Recv(ctx)
	cancel()
	r.log(s.Socket, "recv", render(back), err)
	if !r.checkOutcome(&Step{Pos: s.Pos, Grade: s.Grade, Socket: s.Socket}, "recv reply", err, 0) {
		return false
	}
	want, _ := expand(s.Reply, i, r.vars)
	if len(back) < len(want) || !back[len(back)-len(want):].Equal(want) {
		r.fail(&violation{kind: reports.KindMismatch, expected: []string{"reply " + render(want)}, actual: render(back), grade: s.Grade, at: s.Pos})
		return false
	}
	return true
}

// envelope returns the frames up to and including the first empty frame,
// or just the first frame (a ROUTER identity) when there is none.
func envelope(m drivers.Msg) drivers.Msg {
	for i, f := range m {
		if len(f) == 0 {
			return append(drivers.Msg(nil), m[:i+1]...)
		}
	}
	if len(m) > 0 {
		return drivers.Msg{m[0]}
	}
	return nil
}
