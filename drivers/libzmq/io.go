//go:build cgo

package libzmq

import (
	"context"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// Send sends m as one multipart message (SNDMORE on all frames but the
// last), bounded by ctx's deadline and by the scenario's SNDTIMEO.
func (s *socket) Send(ctx context.Context, m drivers.Msg) error {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	if len(m) == 0 {
		// libzmq has no zero-frame message; an empty frame is [][]byte{{}}.
		return drivers.Errorf(drivers.KindOther, "send", errEmptyMsg)
	}
	return s.do(ctx, "send", func() error {
		dl, _ := ctx.Deadline()
		b := newBudget(&s.snd, dl)
		for i, frame := range m {
			flag := zmq.SNDMORE
			if i == len(m)-1 {
				flag = 0
			}
			err := b.run(s.zs.SetSndtimeo, func() error {
				_, err := s.zs.SendBytes(frame, flag)
				return err
			})
			if err != nil {
				return mapErr("send", err)
			}
		}
		return nil
	})
}

// Recv receives one whole multipart message, bounded by ctx's deadline and
// by the scenario's RCVTIMEO. The frames are fresh copies the caller owns.
// After a timeout any message that arrives later stays queued in libzmq
// and is the next Recv's result.
func (s *socket) Recv(ctx context.Context) (drivers.Msg, error) {
	m, _, err := s.recv(ctx, nil)
	return m, err
}

// RecvWithMetadata is Recv that also reads the message's properties
// (zmq_msg_gets) from its first frame.
func (s *socket) RecvWithMetadata(ctx context.Context, keys []string) (drivers.Msg, map[string]string, error) {
	return s.recv(ctx, keys)
}

func (s *socket) recv(ctx context.Context, keys []string) (drivers.Msg, map[string]string, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	var m drivers.Msg
	var meta map[string]string
	err := s.do(ctx, "recv", func() error {
		dl, _ := ctx.Deadline()
		b := newBudget(&s.rcv, dl)
		for {
			var frame []byte
			err := b.run(s.zs.SetRcvtimeo, func() (err error) {
				if len(m) == 0 && len(keys) > 0 {
					frame, meta, err = s.zs.RecvBytesWithMetadata(0, keys...)
					return err
				}
				frame, err = s.zs.RecvBytes(0)
				return err
			})
			if err != nil {
				// libzmq delivers messages whole, so this happens only
				// on the first frame.
				return mapErr("recv", err)
			}
			m = append(m, frame)
			more, err := s.zs.GetRcvmore()
			if err != nil {
				return mapErr("recv", err)
			}
			if !more {
				return nil
			}
		}
	})
	if err != nil {
		return nil, nil, err
	}
	return m, meta, nil
}

// budget is the time one Send or Recv may block: until the context's
// deadline, or for the scenario's own timeout if that is shorter.
type budget struct {
	t        *timeo
	deadline time.Time // the context's
	userEnd  time.Time // start + the scenario's timeout
	useUser  bool      // the scenario's timeout ends first
}

func newBudget(t *timeo, deadline time.Time) budget {
	b := budget{t: t, deadline: deadline}
	if t.userSet && t.user >= 0 {
		b.userEnd = time.Now().Add(millis(t.user))
		b.useUser = b.userEnd.Before(deadline)
	}
	return b
}

// timeout is the value to set before the next attempt, in milliseconds.
// The scenario's own value is passed on exactly on the first attempt.
// Time left before the deadline is rounded up: libzmq counts whole
// milliseconds on a coarse clock, and the call must not end early.
func (b *budget) timeout(first bool) int {
	if b.useUser {
		if first {
			return b.t.user
		}
		return ceilMillis(time.Until(b.userEnd))
	}
	return ceilMillis(time.Until(b.deadline))
}

func ceilMillis(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Millisecond - 1) / time.Millisecond)
}

// run makes one blocking libzmq call f under the budget, first setting
// the timeout with set (SetRcvtimeo or SetSndtimeo) unless the value
// already on the socket will do. f is retried only when libzmq did not
// really time out: on EINTR (a signal), and on an EAGAIN that came after
// waiting the timeout in effect but before the context's deadline (libzmq's
// millisecond rounding, or a cached timeout shorter than the time left).
// The scenario's own timeout is never extended, and an EAGAIN without
// waiting is returned as is.
func (b *budget) run(set func(time.Duration) error, f func() error) error {
	for first := true; ; first = false {
		want := b.timeout(first)
		if !b.reuse(first, want) {
			if err := retryEINTR(func() error { return set(millis(want)) }); err != nil {
				return err
			}
			b.t.cur = want
		}
		eff := b.t.cur
		start := time.Now()
		err := f()
		switch {
		case err == nil:
			return nil
		case isErrno(err, syscall.EINTR):
			continue
		case isErrno(err, syscall.EAGAIN) && !b.useUser && eff > 0 &&
			time.Since(start) >= millis(eff)-2*time.Millisecond && time.Now().Before(b.deadline):
			continue
		}
		return err
	}
}

// reuse says whether the timeout already set can stand in for want, which
// saves a setsockopt on almost every call: deadlines differ from call to
// call by a few milliseconds, and while a message is waiting the timeout
// does not matter. Only a positive value no longer than want can stand in
// for it (a longer one would overshoot the deadline), and only on the
// first attempt, so a blocked call wakes early at most once and then
// waits with the exact remainder. The scenario's own timeout is always
// set exactly, as is 0.
func (b *budget) reuse(first bool, want int) bool {
	if b.t.cur == want {
		return true
	}
	return first && !b.useUser && b.t.cur > 0 && b.t.cur <= want
}
