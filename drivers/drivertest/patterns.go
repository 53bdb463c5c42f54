package drivertest

import (
	"bytes"
	"fmt"
	"time"

	"github.com/zharness/zharness/drivers"
)

// messageRun builds the case that connects p's two sockets as arr says
// over tr and exchanges a sequence of kind.
func messageRun(p pattern, tr drivers.Transport, arr arrangement, kind string, pair bool) func(*run) {
	return func(r *run) {
		c1, ok := r.newContext(arr.firstDrv)
		if !ok {
			return
		}
		// inproc joins sockets of one context only; plan never asks for
		// inproc across drivers.
		c2 := c1
		if tr != drivers.Inproc {
			if c2, ok = r.newContext(arr.secondDrv); !ok {
				return
			}
		}
		first, ok1 := r.newSocket(c1, arr.firstDrv, p.first)
		second, ok2 := r.newSocket(c2, arr.secondDrv, p.second)
		if !ok1 || !ok2 {
			return
		}
		if !pair && p.first == p.second {
			// Same type, same driver: tell the two ends apart.
			first.name = "binding " + first.name
			second.name = "connecting " + second.name
		}
		if p.second == drivers.SUB {
			if err := second.sock.SetOption(drivers.SUBSCRIBE, []byte{}); err != nil {
				r.fail(second.name, `SetOption(SUBSCRIBE, "")`, describeErr(err), "nil")
				return
			}
		}
		ep, ok := r.endpoint(tr)
		if !ok {
			return
		}
		binder, connector := first, second
		if !arr.firstBinds {
			binder, connector = second, first
		}
		if !r.bind(binder, ep) || !r.connect(connector, ep) {
			return
		}
		p.exchange(r, first, second, kind)
	}
}

// stream sends msgs from src while dst receives and checks them, both at
// once so that a driver whose Send waits for the wire cannot deadlock the
// check. skipLeading, when set, lets dst drop messages it matches before
// the first checked one (PUB/SUB probes still in flight).
func (r *run) stream(src, dst side, msgs []drivers.Msg, skipLeading func(drivers.Msg) bool) {
	n := len(msgs)
	r.goDo(func() {
		for i, m := range msgs {
			if !r.send(src, m, nth("Send", i, n)) {
				return
			}
		}
	}, func() {
		for i := 0; i < n; {
			got, ok := r.recv(dst, nth("Recv", i, n))
			if !ok {
				return
			}
			if skipLeading != nil && skipLeading(got) {
				if i > 0 {
					r.fail(dst.name, nth("Recv", i, n), "a probe after checked messages", describeMsg(msgs[i]))
					return
				}
				continue
			}
			r.expect(dst, nth("Recv", i, n), got, msgs[i])
			i++
		}
	})
}

// exchangePushPull: PUSH sends a sequence; PULL gets it whole and in order.
// A probe goes first so the link is known up (see sendUntilPeer); PULL
// drops it before the checked messages.
func exchangePushPull(r *run, pull, push side, kind string) {
	if !r.sendUntilPeer(push, probe, "Send probe") {
		return
	}
	r.stream(push, pull, messages(kind, "request"), isProbe)
}

// exchangePair: each PAIR end sends a sequence to the other in turn, after
// a probe from the second end has brought the link up.
func exchangePair(r *run, first, second side, kind string) {
	if !r.sendUntilPeer(second, probe, "Send probe") {
		return
	}
	r.stream(second, first, messages(kind, "request"), isProbe)
	r.stream(first, second, messages(kind, "reply"), nil)
}

// retryInterval spaces the attempts of sendUntilPeer.
const retryInterval = 10 * time.Millisecond

// sendUntilPeer sends m, repeating while the socket reports an error other
// than KindClosed, until SyncTimeout. Connect may return before the link
// is up, and RFC 28, 30 and 31 let a REQ, DEALER, PUSH or PAIR with no
// peer either block or return an error on send: an error here is allowed
// behaviour, not a failure, as long as the link comes up within
// SyncTimeout. Only the first message of a case is sent this way, and it
// is a probe, so no checked message is ever retried.
func (r *run) sendUntilPeer(s side, m drivers.Msg, op string) bool {
	start := time.Now()
	var err error
	for n := 1; ; n++ {
		ctx, cancel := bounded(r.opts.CallTimeout)
		err = s.sock.Send(ctx, m)
		cancel()
		switch {
		case err == nil:
			if n > 1 {
				r.logf("%s: %s sent after %d attempts, %v", r.name, op, n, time.Since(start).Round(time.Millisecond))
			}
			return true
		case drivers.KindOf(err) == drivers.KindClosed, r.stopped.Load(), time.Since(start) > r.opts.SyncTimeout:
			r.fail(s.name, op, describeErr(err), fmt.Sprintf("nil once a peer is linked (within %v)", r.opts.SyncTimeout))
			return false
		}
		time.Sleep(retryInterval)
	}
}

// exchangeReqRep: REQ sends each request and waits for its reply; REP
// gets the request without envelope and its reply goes back to REQ.
func exchangeReqRep(r *run, rep, req side, kind string) {
	if !r.probeRoundTrip(req, rep, false) {
		return
	}
	reqs, reps := messages(kind, "request"), messages(kind, "reply")
	n := len(reqs)
	r.goDo(func() {
		for i := range reqs {
			got, ok := r.recv(rep, nth("Recv", i, n))
			if !ok {
				return
			}
			r.expect(rep, nth("Recv", i, n), got, reqs[i])
			// Reply even after a mismatch so REQ is not left waiting.
			if !r.send(rep, reps[i], nth("Send reply", i, n)) {
				return
			}
		}
	}, func() {
		for i := range reqs {
			if !r.send(req, reqs[i], nth("Send", i, n)) {
				return
			}
			got, ok := r.recv(req, nth("Recv reply", i, n))
			if !ok {
				return
			}
			r.expect(req, nth("Recv reply", i, n), got, reps[i])
		}
	})
}

// exchangeRouterDealer: DEALER sends a sequence; ROUTER gets each message
// behind one non-empty identity frame, the same for every message of that
// peer, and replies through it; DEALER gets each reply.
func exchangeRouterDealer(r *run, router, dealer side, kind string) {
	if !r.probeRoundTrip(dealer, router, true) {
		return
	}
	reqs, reps := messages(kind, "request"), messages(kind, "reply")
	n := len(reqs)
	r.goDo(func() {
		var firstID []byte
		for i := range reqs {
			op := nth("Recv", i, n)
			got, ok := r.recv(router, op)
			if !ok {
				return
			}
			if len(got) < 2 || len(got[0]) == 0 {
				r.fail(router.name, op, describeMsg(got), "a non-empty identity frame followed by "+describeMsg(reqs[i]))
				return
			}
			id := got[0]
			if firstID == nil {
				firstID = bytes.Clone(id)
			} else if !bytes.Equal(id, firstID) {
				r.fail(router.name, op+" identity frame", fmt.Sprintf("%q", id), fmt.Sprintf("%q (the same peer's identity as message 1)", firstID))
			}
			r.expect(router, op+" after identity", got[1:], reqs[i])
			reply := append(drivers.Msg{id}, reps[i]...)
			if !r.send(router, reply, nth("Send reply", i, n)) {
				return
			}
		}
	}, func() {
		// DEALER sends everything first: unlike REQ it need not wait, and
		// the replies must still come back in order.
		for i := range reqs {
			if !r.send(dealer, reqs[i], nth("Send", i, n)) {
				return
			}
		}
		for i := range reps {
			got, ok := r.recv(dealer, nth("Recv reply", i, n))
			if !ok {
				return
			}
			r.expect(dealer, nth("Recv reply", i, n), got, reps[i])
		}
	})
}

// probeRoundTrip sends a probe from client to server and back, so the
// link is known up before the checked messages. routed says the server is
// a ROUTER, whose probe arrives behind an identity frame it must echo.
func (r *run) probeRoundTrip(client, server side, routed bool) bool {
	var serverOK, clientOK bool
	r.goDo(func() {
		// The client may take up to SyncTimeout to get its probe out.
		got, ok := r.recvFor(server, r.opts.SyncTimeout+r.opts.CallTimeout, "Recv probe")
		if !ok {
			return
		}
		want := probe
		if routed && len(got) > 0 {
			want = append(drivers.Msg{got[0]}, probe...)
		}
		serverOK = r.expect(server, "Recv probe", got, want) && r.send(server, want, "Send probe reply")
	}, func() {
		if !r.sendUntilPeer(client, probe, "Send probe") {
			return
		}
		got, ok := r.recv(client, "Recv probe reply")
		clientOK = ok && r.expect(client, "Recv probe reply", got, probe)
	})
	return serverOK && clientOK
}

// probeInterval is how long SUB waits for each probe before PUB sends the
// next one while a subscription propagates.
const probeInterval = 50 * time.Millisecond

// exchangePubSub: SUB (subscribed to everything) is synchronised by
// probes, then PUB sends a sequence that SUB must get whole and in order.
func exchangePubSub(r *run, pub, sub side, kind string) {
	if !r.syncPubSub(pub, sub) {
		return
	}
	r.stream(pub, sub, messages(kind, "request"), isProbe)
}

// syncPubSub publishes probes until one reaches sub, within SyncTimeout:
// the subscription is then known to be in force, with no fixed sleep.
func (r *run) syncPubSub(pub, sub side) bool {
	start := time.Now()
	for n := 1; time.Since(start) < r.opts.SyncTimeout; n++ {
		if !r.send(pub, probe, fmt.Sprintf("Send probe %d", n)) {
			return false
		}
		got, ok, failed := r.recvWithin(sub, probeInterval, fmt.Sprintf("Recv probe %d", n))
		if failed || r.stopped.Load() {
			return false
		}
		if !ok {
			continue
		}
		if !isProbe(got) {
			r.fail(sub.name, fmt.Sprintf("Recv probe %d", n), describeMsg(got), describeMsg(probe))
			return false
		}
		r.logf("%s: subscription in force after %d probes, %v", r.name, n, time.Since(start).Round(time.Millisecond))
		return true
	}
	r.fail(sub.name, "Recv probe", fmt.Sprintf("no probe within %v", r.opts.SyncTimeout), "a probe once the subscription propagates")
	return false
}
