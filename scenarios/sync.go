package scenarios

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// probeInterval paces probe messages while links come up.
const probeInterval = 10 * time.Millisecond

// sync waits until every link from From to each of To carries messages,
// proven by probes, and leaves no probe behind (decisions.md, ruling 5):
//
//   - PUB/XPUB: publish probes until each subscriber has one, then a final
//     "<probe>-fin" that each subscriber reads up to; per-link ordering
//     guarantees no probe follows it.
//   - PUSH, DEALER, PAIR: send probes until each receiver has one; since
//     these never drop, receivers then read until every probe sent is
//     accounted for.
//   - REQ: request/reply rounds until every server has answered one.
func (r *runner) sync(s *Step) {
	from := r.live(s.From, s.Pos)
	if from == nil {
		return
	}
	within := s.Within
	if within == 0 {
		within = syncWithin
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.scale(within))
	defer cancel()
	r.log(s.From, "sync", "probing "+strings.Join(s.To, ", ")+" with "+s.Probe, nil)
	switch r.c.role(s.From).Type {
	case drivers.PUB, drivers.XPUB:
		r.syncBroadcast(ctx, s, from)
	case drivers.PUSH, drivers.DEALER, drivers.PAIR:
		r.syncDeal(ctx, s, from)
	case drivers.REQ:
		r.syncRequest(ctx, s, from)
	default:
		r.harnessErr(fmt.Errorf("%s: sync from a %s socket is not supported (use PUB, XPUB, PUSH, DEALER, PAIR or REQ)", s.Pos, r.c.role(s.From).Type))
	}
}

func isProbe(m drivers.Msg, probe string) bool {
	return len(m) > 0 && bytes.HasPrefix(m[len(m)-1], []byte(probe))
}

func (r *runner) syncFailed(s *Step, detail string) {
	within := s.Within
	if within == 0 {
		within = syncWithin
	}
	r.fail(&violation{kind: reports.KindTimeout, expected: []string{fmt.Sprintf("probes from %s reach %s within %s", s.From, strings.Join(s.To, ", "), r.scale(within))}, actual: detail, grade: s.Grade, at: s.Pos})
}

// probeReaders starts one reader per target. onMsg is called for every
// message read (under a lock) and returns true when that reader is done.
func (r *runner) probeReaders(ctx context.Context, s *Step, onMsg func(role string, m drivers.Msg) bool) (wait func() bool) {
	var wg sync.WaitGroup
	var failed atomic.Bool
	for _, role := range s.To {
		sock := r.live(role, s.Pos)
		if sock == nil {
			failed.Store(true)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				cctx, cancel := sliceCtx(ctx)
				m, err := r.recvFrom(cctx, role, sock)
				cancel()
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					if drivers.KindOf(err) != drivers.KindTimeout {
						r.log(role, "recv", "", err)
						r.fail(&violation{kind: reports.KindError, expected: []string{"recv succeeds"}, actual: err.Error(), at: s.Pos})
						failed.Store(true)
						return
					}
					continue
				}
				if !isProbe(m, s.Probe) {
					r.log(role, "recv", render(m), nil)
					r.fail(&violation{kind: reports.KindMismatch, expected: []string{"only probe messages during sync"}, actual: render(m), grade: s.Grade, at: s.Pos})
					failed.Store(true)
					return
				}
				if onMsg(role, m) {
					return
				}
			}
			failed.Store(true)
		}()
	}
	return func() bool { wg.Wait(); return !failed.Load() }
}

// sendProbe sends one probe, waiting as long as the sync window allows.
// A short per-probe deadline would be wrong: a driver whose send timed out
// may still deliver that message later (the contract hands a late result
// to the next call), and the count of probes sent would then be short.
// A send that fails at once (no link yet, allowed by RFC 28 §REQ-4) is
// reported to the caller, who retries after probeInterval.
func (r *runner) sendProbe(ctx context.Context, from drivers.Socket, m drivers.Msg) error {
	return from.Send(ctx, m)
}

func (r *runner) syncBroadcast(ctx context.Context, s *Step, from drivers.Socket) {
	var mu sync.Mutex
	got := map[string]int{}
	fin := s.Probe + "-fin"
	allGot := make(chan struct{})
	var once sync.Once
	wait := r.probeReaders(ctx, s, func(role string, m drivers.Msg) bool {
		mu.Lock()
		defer mu.Unlock()
		got[role]++
		if len(got) == len(s.To) {
			once.Do(func() { close(allGot) })
		}
		return string(m[len(m)-1]) == fin
	})
	sent, lastErr := r.probeUntil(ctx, from, drivers.MsgFromStrings(s.Probe), allGot)
	if ctx.Err() == nil && !r.stopped() {
		err := r.sendProbe(ctx, from, drivers.MsgFromStrings(fin))
		r.log(s.From, "send", fin, err)
	}
	ok := wait()
	mu.Lock()
	defer mu.Unlock()
	r.log(s.From, "sync", fmt.Sprintf("%d probes sent; %s", sent, counts(got, s.To)), nil)
	if !ok && !r.stopped() {
		r.syncFailed(s, fmt.Sprintf("%d probes sent; received %s%s", sent, counts(got, s.To), lastError(lastErr)))
	}
}

func (r *runner) syncDeal(ctx context.Context, s *Step, from drivers.Socket) {
	var mu sync.Mutex
	got := map[string]int{}
	total := 0
	rctx, stopReaders := context.WithCancel(ctx)
	defer stopReaders()
	allGot := make(chan struct{})
	var once sync.Once
	// A reader stops once every target has a probe, no more are being
	// sent, and the probes received add up to those sent.
	wait := r.probeReaders(rctx, s, func(role string, m drivers.Msg) bool {
		mu.Lock()
		defer mu.Unlock()
		got[role]++
		total++
		if len(got) == len(s.To) {
			once.Do(func() { close(allGot) })
		}
		return false
	})
	if r.c.role(s.From).Type == drivers.DEALER && anyType(r, s.To, drivers.REP) {
		r.harnessErr(fmt.Errorf("%s: sync from DEALER to REP is not supported (REP must reply)", s.Pos))
		return
	}
	sent, lastErr := r.probeUntil(ctx, from, drivers.MsgFromStrings(s.Probe), allGot)
	// Drain: wait until every probe sent has been read somewhere.
	for ctx.Err() == nil && !r.stopped() {
		mu.Lock()
		done := total >= sent
		mu.Unlock()
		if done {
			break
		}
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
		}
	}
	allDrained := ctx.Err() == nil
	stopReaders()
	wait() // readers report "failed" when stopped; the drain decides here
	mu.Lock()
	defer mu.Unlock()
	r.log(s.From, "sync", fmt.Sprintf("%d probes sent; %s", sent, counts(got, s.To)), nil)
	if (!allDrained || len(got) < len(s.To)) && !r.stopped() {
		r.syncFailed(s, fmt.Sprintf("%d probes sent; received %s%s", sent, counts(got, s.To), lastError(lastErr)))
	}
}

func anyType(r *runner, roles []string, t drivers.SocketType) bool {
	for _, n := range roles {
		if r.c.role(n).Type == t {
			return true
		}
	}
	return false
}

func counts(got map[string]int, roles []string) string {
	var parts []string
	for _, role := range roles {
		parts = append(parts, fmt.Sprintf("%s=%d", role, got[role]))
	}
	return strings.Join(parts, " ")
}

func (r *runner) syncRequest(ctx context.Context, s *Step, from drivers.Socket) {
	served := map[string]int{}
	for ctx.Err() == nil && !r.stopped() && len(served) < len(s.To) {
		var got []arrival
		step := &Step{Kind: StepServe, Socket: s.From, Sockets: s.To, Frames: []Frame{{Text: s.Probe}}, Reply: []Frame{{Text: s.Probe + "-ok"}}, Pos: s.Pos, Grade: s.Grade, Timeout: max(s.Within, syncWithin)}
		// Some implementations refuse to send with no link yet (allowed by
		// RFC 28 §REQ-4): retry the probe until it is accepted.
		var lastErr error
		for ctx.Err() == nil {
			err := r.sendProbe(ctx, from, drivers.MsgFromStrings(s.Probe))
			if err == nil {
				break
			}
			lastErr = err
			select {
			case <-time.After(probeInterval):
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			r.syncFailed(s, "no probe could be sent"+lastError(lastErr))
			return
		}
		r.log(s.From, "send", s.Probe, nil)
		if !r.finishRound(step, from, drivers.MsgFromStrings(s.Probe), len(served), &got) {
			return
		}
		served[got[0].role]++
	}
	r.log(s.From, "sync", "served "+counts(served, s.To), nil)
	if len(served) < len(s.To) && !r.stopped() {
		r.syncFailed(s, "served "+counts(served, s.To))
	}
}

func lastError(err error) string {
	if err == nil {
		return ""
	}
	return "; last send error: " + err.Error()
}

// probeUntil sends probe every probeInterval until allGot closes or ctx
// ends, and returns how many were sent. A send error means "no link yet"
// for some implementations (RFC 28 §REQ-4 allows an error with no peers),
// so probing goes on; the last error is returned for the record.
func (r *runner) probeUntil(ctx context.Context, from drivers.Socket, probe drivers.Msg, allGot <-chan struct{}) (sent int, lastErr error) {
	for {
		select {
		case <-allGot:
			return sent, lastErr
		case <-ctx.Done():
			return sent, lastErr
		default:
		}
		if err := r.sendProbe(ctx, from, probe); err != nil {
			lastErr = err
		} else {
			sent++
		}
		select {
		case <-allGot:
		case <-time.After(probeInterval):
		case <-ctx.Done():
		}
	}
}
