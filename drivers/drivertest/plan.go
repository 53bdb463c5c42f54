package drivertest

import (
	"fmt"

	"github.com/zharness/zharness/drivers"
)

// pattern is a pair of socket types that exchange messages. first is the
// side that conventionally binds (the "server"); every case is also run
// with second binding.
type pattern struct {
	name          string
	first, second drivers.SocketType
	exchange      func(r *run, first, second side, kind string)
}

var patterns = []pattern{
	{"reqrep", drivers.REP, drivers.REQ, exchangeReqRep},
	{"pubsub", drivers.PUB, drivers.SUB, exchangePubSub},
	{"pushpull", drivers.PULL, drivers.PUSH, exchangePushPull},
	{"pair", drivers.PAIR, drivers.PAIR, exchangePair},
	{"dealerrouter", drivers.ROUTER, drivers.DEALER, exchangeRouterDealer},
}

// arrangement places a pattern's two sockets on drivers and says which
// one binds.
type arrangement struct {
	firstDrv, secondDrv drivers.Driver
	firstBinds          bool
	label               string // e.g. "REP-binds", "REP@libzmq-binds"
}

// arrangements lists the distinct placements of p: with one driver, the
// first side binding and the second side binding; with two, also each
// driver on each side. Placements with the same label (PAIR's symmetric
// sides) are listed once.
func arrangements(p pattern, a, b drivers.Driver, pair bool) []arrangement {
	placements := [][2]drivers.Driver{{a, b}}
	if pair {
		placements = append(placements, [2]drivers.Driver{b, a})
	}
	var out []arrangement
	seen := map[string]bool{}
	for _, pl := range placements {
		for _, firstBinds := range []bool{true, false} {
			binderType, binderDrv := p.first, pl[0]
			if !firstBinds {
				binderType, binderDrv = p.second, pl[1]
			}
			label := string(binderType) + "-binds"
			if pair {
				label = fmt.Sprintf("%s@%s-binds", binderType, binderDrv.Name())
			}
			if seen[label] {
				continue
			}
			seen[label] = true
			out = append(out, arrangement{firstDrv: pl[0], secondDrv: pl[1], firstBinds: firstBinds, label: label})
		}
	}
	return out
}

// plan lists the cases for d with peer as the other end of messages.
func plan(d, peer drivers.Driver, opts Options) []caseSpec {
	if peer == nil {
		peer = d
	}
	pair := peer.Name() != d.Name()
	cs := messageCases(d, peer, pair, opts)
	cs = append(cs, securityCases(d, peer, pair, opts)...)
	if !opts.MessagesOnly {
		cs = append(cs, propertyCases(d, opts)...)
	}
	if opts.Filter == nil {
		return cs
	}
	var kept []caseSpec
	for _, c := range cs {
		if opts.Filter(c.name) {
			kept = append(kept, c)
		}
	}
	return kept
}

// transportsFor returns the transports to check: the requested ones, or
// every transport both drivers declare.
func transportsFor(d, peer drivers.Driver, opts Options) []drivers.Transport {
	if opts.Transports != nil {
		return opts.Transports
	}
	dc, pc := d.Capabilities(), peer.Capabilities()
	var ts []drivers.Transport
	for _, t := range drivers.AllTransports {
		if dc.HasTransport(t) && pc.HasTransport(t) {
			ts = append(ts, t)
		}
	}
	return ts
}

func messageCases(d, peer drivers.Driver, pair bool, opts Options) []caseSpec {
	var cs []caseSpec
	for _, p := range patterns {
		for _, tr := range transportsFor(d, peer, opts) {
			prefix := p.name + "/" + string(tr)
			if pair && tr == drivers.Inproc {
				cs = append(cs, caseSpec{name: prefix, skip: fmt.Sprintf(
					"inproc across drivers is not applicable (N/A): an inproc endpoint exists only inside one context of one implementation, and %s and %s are different implementations",
					d.Name(), peer.Name())})
				continue
			}
			for _, arr := range arrangements(p, d, peer, pair) {
				skip := messageSkip(p, tr, arr)
				for _, kind := range messageKinds {
					c := caseSpec{name: prefix + "/" + arr.label + "/" + kind, skip: skip}
					if skip == "" {
						c.run = messageRun(p, tr, arr, kind, pair)
					}
					cs = append(cs, c)
				}
			}
		}
	}
	return cs
}

// messageSkip says why an arrangement cannot run, or "".
func messageSkip(p pattern, tr drivers.Transport, arr arrangement) string {
	need := []struct {
		d drivers.Driver
		t drivers.SocketType
	}{{arr.firstDrv, p.first}, {arr.secondDrv, p.second}}
	for _, n := range need {
		caps := n.d.Capabilities()
		if !caps.HasTransport(tr) {
			return fmt.Sprintf("%s does not declare transport %s in its capabilities", n.d.Name(), tr)
		}
		if !caps.HasSocket(n.t) {
			return fmt.Sprintf("%s does not declare socket type %s in its capabilities", n.d.Name(), n.t)
		}
		if n.t == drivers.SUB && !caps.HasOption(drivers.SUBSCRIBE) {
			return fmt.Sprintf("%s does not declare option SUBSCRIBE, so its SUB socket cannot subscribe", n.d.Name())
		}
	}
	return ""
}
