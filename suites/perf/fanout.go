package perf

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// Fan-out messages carry their role in the first byte.
const (
	fanProbe byte = iota // before the run: proves a subscription is live
	fanData              // timed (the first one per subscriber is not)
	fanEnd               // after the run: tells subscribers to stop
)

// fanResult is what one subscriber saw.
type fanResult struct {
	received int // data messages, the first (untimed) one included
	elapsed  time.Duration
	err      error
}

// runFanout measures PUB → N SUB in this process through the driver's
// Socket path, all sockets in one context. A PUB socket sends nothing to a
// subscriber whose subscription has not arrived yet, so the publisher
// first sends probes until every subscriber has seen one (the observable
// signal, decisions.md ruling 5); then the data; then end markers until
// every subscriber has stopped. Each subscriber is timed from its first
// data message (untimed) to its last; the point's rate is the sum of the
// subscribers' rates, and messages the PUB dropped at its high-water mark
// are reported as Dropped.
func (r *runner) runFanout(ctx context.Context, pt point, s subject, count int, p *reports.Perf) error {
	if pt.size < 1 {
		return errors.New("fanout: size must be at least 1 byte (the first byte marks the message kind)")
	}
	d, err := drivers.Lookup(s.driver)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.PointTimeout)
	defer cancel()
	zc, err := d.NewContext()
	if err != nil {
		return err
	}
	defer zc.Close()
	ep, err := r.eps.New(pt.transport)
	if err != nil {
		return err
	}
	pub, err := zc.NewSocket(drivers.PUB)
	if err != nil {
		return err
	}
	if err := pub.Bind(ep); err != nil {
		return err
	}
	n := pt.w.Subscribers
	ready := make(chan struct{}, n)
	results := make(chan fanResult, n)
	for i := 0; i < n; i++ {
		sub, err := zc.NewSocket(drivers.SUB)
		if err == nil {
			err = sub.SetOption(drivers.SUBSCRIBE, []byte{})
		}
		if err == nil {
			err = sub.Connect(ep)
		}
		if err != nil {
			return fmt.Errorf("subscriber %d: %w", i, err)
		}
		go func() { results <- subscribe(ctx, sub, pt.size, ready) }()
	}
	total := max(pt.w.Warmup, 1) + count
	if err := publish(ctx, pub, pt.size, n, total, ready, results, p); err != nil {
		return err
	}
	return nil
}

// subscribe receives until an end marker, signalling ready at the first
// probe.
func subscribe(ctx context.Context, sub drivers.Socket, size int, ready chan<- struct{}) fanResult {
	var res fanResult
	var first, last time.Time
	signalled := false
	for {
		m, err := sub.Recv(ctx)
		if err != nil {
			res.err = fmt.Errorf("subscriber: after %d messages: %w", res.received, err)
			return res
		}
		if len(m) != 1 || len(m[0]) != size {
			res.err = fmt.Errorf("subscriber: got %d frames (first %d bytes), want 1 of %d", len(m), frameLen(m), size)
			return res
		}
		switch m[0][0] {
		case fanProbe:
			if !signalled {
				signalled = true
				ready <- struct{}{}
			}
		case fanData:
			last = time.Now()
			if res.received == 0 {
				first = last
			}
			res.received++
		case fanEnd:
			res.elapsed = last.Sub(first)
			return res
		}
	}
}

// publish runs the publisher's three phases and collects the subscribers'
// results into p.
func publish(ctx context.Context, pub drivers.Socket, size, n, total int, ready <-chan struct{}, results <-chan fanResult, p *reports.Perf) error {
	msg := drivers.Msg{make([]byte, size)}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for seen := 0; seen < n; {
		msg[0][0] = fanProbe
		if err := pub.Send(ctx, msg); err != nil {
			return fmt.Errorf("publisher: probe: %w", err)
		}
		select {
		case <-ready:
			seen++
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("publisher: %d of %d subscribers seen before the deadline", seen, n)
		}
	}
	msg[0][0] = fanData
	for i := 0; i < total; i++ {
		if err := pub.Send(ctx, msg); err != nil {
			return fmt.Errorf("publisher: message %d: %w", i, err)
		}
	}
	msg[0][0] = fanEnd
	var errs []error
	var rate float64
	counted, dropped := 0, 0
	var longest time.Duration
	for got := 0; got < n; {
		select {
		case res := <-results:
			got++
			if res.err != nil {
				errs = append(errs, res.err)
				continue
			}
			dropped += total - res.received
			if res.received > 1 && res.elapsed > 0 {
				rate += float64(res.received-1) / res.elapsed.Seconds()
				counted += res.received - 1
				longest = max(longest, res.elapsed)
			}
		case <-tick.C:
			if err := pub.Send(ctx, msg); err != nil {
				return fmt.Errorf("publisher: end marker: %w", err)
			}
		case <-ctx.Done():
			return fmt.Errorf("publisher: %d of %d subscribers finished before the deadline", got, n)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	p.Count, p.Elapsed, p.Dropped = counted, longest, dropped
	p.MsgsPerSec = rate
	p.MBPerSec = rate * float64(p.Size) / 1e6
	p.MbitPerSec = p.MBPerSec * 8
	return nil
}
