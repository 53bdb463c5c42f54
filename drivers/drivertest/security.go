package drivertest

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
)

// The security cases put a server (ROUTER) and clients (DEALER) under a
// mechanism and check the handshake lets the right peer through and keeps
// the wrong one out. Facts: RFC 23 (a mechanism's client and server roles
// are independent of which side binds), RFC 24 (PLAIN), RFC 26 (CURVE),
// RFC 27 (ZAP), and libzmq's tests test_security_plain.cpp,
// test_security_curve.cpp and test_security_zap.cpp, which use the same
// shapes: a good client exchanges messages, a bad one gets nothing through.
//
// RFC 24 and 26 leave it to the server how it judges a client; RFC 27
// (ZAP) is how libzmq asks the application. Without a ZAP handler libzmq
// 4.3 refuses every PLAIN client (plain_server.cpp process_hello: a failed
// zap_connect fails the handshake) but lets every CURVE client that knows
// the server key in (curve_server.cpp: the "Stonehouse" case). So the
// plain case binds a handler that allows its client wherever the server's
// driver declares FeatureZAP, and wrong credentials are only tested with a
// handler that refuses them.
//
// The refusal cases are not applicable on inproc: RFC 24 and 26 are ZMTP
// mechanisms, and inproc carries no ZMTP handshake in libzmq (its pipes
// join the two sockets directly, so no mechanism runs and nothing can be
// refused; TestInprocHasNoHandshake in this package's tests shows it).

// denyWindow is how long a server must receive nothing from a client that
// the mechanism should refuse: long enough for several handshake attempts
// over loopback (libzmq reconnects every 100 ms by default).
const denyWindow = 500 * time.Millisecond

// Credentials the cases use; the ZAP handler allows exactly plainUser with
// plainPass, and refuses intruderUser.
const (
	plainUser    = "admin"
	plainPass    = "password"
	intruderUser = "mallory"
	intruderPass = "guess"
	zapDomain    = "drivertest"
)

// intruderMsg is what a refused client tries to send.
var intruderMsg = drivers.MsgFromStrings("drivertest intruder")

// optSet is one option to set before bind or connect.
type optSet struct {
	o drivers.Option
	v any
}

// securityKind is one kind of security case.
type securityKind struct {
	name string
	// features the server's and every client's driver must declare.
	serverNeeds, clientNeeds []string
	// refusal marks kinds that check a client is kept out; they need a
	// handshake, so they do not apply to inproc.
	refusal bool
	run     func(r *run, pl secPlacement)
}

var securityKinds = []securityKind{
	{"plain", []string{drivers.FeaturePLAIN}, []string{drivers.FeaturePLAIN}, false, plainExchangeRun},
	{"curve", []string{drivers.FeatureCURVE}, []string{drivers.FeatureCURVE}, false, curveExchangeRun},
	{"curve-wrong-serverkey", []string{drivers.FeatureCURVE}, []string{drivers.FeatureCURVE}, true, curveWrongKeyRun},
	{"zap-plain", []string{drivers.FeaturePLAIN, drivers.FeatureZAP}, []string{drivers.FeaturePLAIN}, true, zapPlainRun},
	{"zap-curve", []string{drivers.FeatureCURVE, drivers.FeatureZAP}, []string{drivers.FeatureCURVE}, true, zapCurveRun},
}

// secPlacement is where a security case's sockets live.
type secPlacement struct {
	serverDrv, clientDrv drivers.Driver
	serverBinds          bool
	tr                   drivers.Transport
}

// securityCases lists the security cases for d with peer: every kind over
// every transport, with the server binding and connecting and, across two
// drivers, with the server on each.
func securityCases(d, peer drivers.Driver, pair bool, opts Options) []caseSpec {
	var cs []caseSpec
	for _, k := range securityKinds {
		for _, tr := range transportsFor(d, peer, opts) {
			prefix := "security/" + k.name + "/" + string(tr)
			if pair && tr == drivers.Inproc {
				cs = append(cs, caseSpec{name: prefix, skip: fmt.Sprintf(
					"inproc across drivers is not applicable (N/A): %s and %s are different implementations", d.Name(), peer.Name())})
				continue
			}
			if k.refusal && tr == drivers.Inproc {
				cs = append(cs, caseSpec{name: prefix, skip: "not applicable (N/A): a refusal needs a ZMTP handshake (RFC 23, 24, 26), which inproc does not carry"})
				continue
			}
			placements := [][2]drivers.Driver{{d, peer}}
			if pair {
				placements = append(placements, [2]drivers.Driver{peer, d})
			}
			for _, p := range placements {
				for _, binds := range []bool{true, false} {
					label := "server-binds"
					if !binds {
						label = "server-connects"
					}
					if pair {
						label = fmt.Sprintf("server@%s-%s", p[0].Name(), label[len("server-"):])
					}
					pl := secPlacement{serverDrv: p[0], clientDrv: p[1], serverBinds: binds, tr: tr}
					c := caseSpec{name: prefix + "/" + label, skip: securitySkip(k, pl)}
					if c.skip == "" {
						c.run = func(r *run) { k.run(r, pl) }
					}
					cs = append(cs, c)
				}
			}
		}
	}
	return cs
}

// securitySkip says why a placement cannot run, or "".
func securitySkip(k securityKind, pl secPlacement) string {
	need := []struct {
		d     drivers.Driver
		t     drivers.SocketType
		feats []string
	}{{pl.serverDrv, drivers.ROUTER, k.serverNeeds}, {pl.clientDrv, drivers.DEALER, k.clientNeeds}}
	for _, n := range need {
		caps := n.d.Capabilities()
		if !caps.HasTransport(pl.tr) {
			return fmt.Sprintf("%s does not declare transport %s in its capabilities", n.d.Name(), pl.tr)
		}
		if !caps.HasSocket(n.t) {
			return fmt.Sprintf("%s does not declare socket type %s in its capabilities", n.d.Name(), n.t)
		}
		for _, f := range n.feats {
			if !caps.HasFeature(f) {
				return fmt.Sprintf("%s does not declare feature %s in its capabilities (unsupported)", n.d.Name(), f)
			}
		}
	}
	if slices.Contains(k.serverNeeds, drivers.FeatureZAP) && !pl.serverDrv.Capabilities().HasTransport(drivers.Inproc) {
		return fmt.Sprintf("%s cannot bind a ZAP handler: it does not declare transport inproc", pl.serverDrv.Name())
	}
	return ""
}

// secCtx is a security case under way: the server's context and socket,
// and the endpoint it binds (or "" when it connects).
type secCtx struct {
	r      *run
	pl     secPlacement
	sc     *trackedContext
	server side
	ep     string
	nth    int // clients made so far, for names
	// clients made so far, closed first by shutdown.
	clients []side
	zap     *zapHandler
}

// shutdown closes the clients, then the server, then the ZAP handler, in
// that order. libzmq 4.3.4 aborts the process (errno_assert in
// zap_client.cpp send_zap_request, ENOTCONN) when a server session asks
// a ZAP handler that has just been closed, which a refused client that
// keeps reconnecting can make happen while the contexts close in any
// order; libzmq's own tests (test_security_zap.cpp) likewise close the
// server before the handler.
func (s *secCtx) shutdown() {
	for _, c := range s.clients {
		_ = c.sock.Close()
	}
	if s.server.sock != nil {
		_ = s.server.sock.Close()
	}
	if s.zap != nil {
		s.zap.stop()
		if s.zap.sock.sock != nil {
			_ = s.zap.sock.sock.Close()
		}
	}
}

// newServer creates the server's context and ROUTER with opts. With zap
// set, handler is started first in the same context (a server consults
// the handler it finds when a peer connects). When the server binds, it
// binds now.
func newServer(r *run, pl secPlacement, opts []optSet, zap *zapHandler) (*secCtx, bool) {
	sc, ok := r.newContext(pl.serverDrv)
	if !ok {
		return nil, false
	}
	s := &secCtx{r: r, pl: pl, sc: sc, zap: zap}
	if zap != nil && !zap.start(r, sc, pl.serverDrv) {
		return nil, false
	}
	if s.server, ok = r.securedSocket(sc, pl.serverDrv, drivers.ROUTER, "server", opts); !ok {
		return nil, false
	}
	if pl.serverBinds {
		if s.ep, ok = r.endpoint(pl.tr); !ok || !r.bind(s.server, s.ep) {
			return nil, false
		}
	}
	return s, true
}

// newClient creates a client DEALER with opts and links it to the server:
// it connects to the server's endpoint, or binds one the server connects
// to. inproc needs both in one context. allowLinkErr makes a Connect error
// a note, not a failure: an implementation that handshakes inside Connect
// (go-zeromq) may fail there when it is refused.
func (s *secCtx) newClient(opts []optSet, allowLinkErr bool) (side, bool) {
	r := s.r
	cc := s.sc
	if s.pl.tr != drivers.Inproc {
		var ok bool
		if cc, ok = r.newContext(s.pl.clientDrv); !ok {
			return side{}, false
		}
	}
	s.nth++
	c, ok := r.securedSocket(cc, s.pl.clientDrv, drivers.DEALER, fmt.Sprintf("client %d", s.nth), opts)
	if c.sock != nil {
		s.clients = append(s.clients, c)
	}
	if !ok {
		return c, false
	}
	if s.pl.serverBinds {
		if err := c.sock.Connect(s.ep); err != nil {
			if allowLinkErr && drivers.KindOf(err) != drivers.KindClosed {
				r.logf("%s: %s: Connect refused: %v", r.name, c.name, err)
				return c, false
			}
			r.fail(c.name, "Connect("+s.ep+")", describeErr(err), "nil")
			return c, false
		}
		return c, true
	}
	ep, ok := r.endpoint(s.pl.tr)
	if !ok || !r.bind(c, ep) {
		return c, false
	}
	if err := s.server.sock.Connect(ep); err != nil {
		if allowLinkErr && drivers.KindOf(err) != drivers.KindClosed {
			r.logf("%s: %s: Connect to %s refused: %v", r.name, s.server.name, c.name, err)
			return c, false
		}
		r.fail(s.server.name, "Connect("+ep+")", describeErr(err), "nil")
		return c, false
	}
	return c, true
}

// securedSocket creates a socket of type t in c, named after its role, and
// sets opts on it in order.
func (r *run) securedSocket(c *trackedContext, d drivers.Driver, t drivers.SocketType, role string, opts []optSet) (side, bool) {
	s, ok := r.newSocket(c, d, t)
	if !ok {
		return s, false
	}
	s.name = role + " " + s.name
	for _, o := range opts {
		if err := s.sock.SetOption(o.o, o.v); err != nil {
			r.fail(s.name, fmt.Sprintf("SetOption(%s, %q)", o.o, o.v), describeErr(err), "nil")
			return s, false
		}
	}
	return s, true
}

// expectRefused: the intruder client sends one message, which the server
// must not receive within denyWindow. The intruder's own Send may succeed
// (queued before the handshake), time out or fail; none of that is judged.
func (s *secCtx) expectRefused(intruder side) {
	r := s.r
	ctx, cancel := bounded(denyWindow)
	err := intruder.sock.Send(ctx, intruderMsg)
	cancel()
	if err != nil {
		r.logf("%s: %s: Send: %v", r.name, intruder.name, err)
	}
	got, ok, _ := r.recvWithin(s.server, denyWindow, "Recv from refused client")
	if ok {
		r.fail(s.server.name, "Recv from refused client", describeMsg(got), "no message within "+denyWindow.String())
	}
}

// plainServerOpts and plainClientOpts configure RFC 24 PLAIN. The server
// also names a ZAP domain (RFC 27 passes it to the handler).
func plainServerOpts() []optSet {
	return []optSet{{drivers.PLAIN_SERVER, 1}, {drivers.ZAP_DOMAIN, []byte(zapDomain)}}
}

func plainClientOpts(user, pass string) []optSet {
	return []optSet{{drivers.PLAIN_USERNAME, []byte(user)}, {drivers.PLAIN_PASSWORD, []byte(pass)}}
}

// plainExchangeRun: a PLAIN client with a username and password and a
// PLAIN server exchange messages. Where the server's driver has ZAP, a
// handler that allows those credentials is bound first (libzmq refuses
// every PLAIN client without one, see above).
func plainExchangeRun(r *run, pl secPlacement) {
	opts := plainServerOpts()
	var zap *zapHandler
	if pl.serverDrv.Capabilities().HasFeature(drivers.FeatureZAP) {
		zap = &zapHandler{mechanism: "PLAIN", allow: allowPlainUser}
	}
	if !pl.serverDrv.Capabilities().HasOption(drivers.ZAP_DOMAIN) {
		opts = opts[:1]
	}
	s, ok := newServer(r, pl, opts, zap)
	if !ok {
		return
	}
	defer s.shutdown()
	if c, ok := s.newClient(plainClientOpts(plainUser, plainPass), false); ok {
		exchangeRouterDealer(r, s.server, c, singleFrame)
	}
}

// allowPlainUser accepts exactly plainUser with plainPass.
func allowPlainUser(creds [][]byte) bool {
	return len(creds) == 2 && string(creds[0]) == plainUser && string(creds[1]) == plainPass
}

// curveKeys is one case's CURVE key pairs, Z85 text.
type curveKeys struct {
	serverPub, serverSec, clientPub, clientSec string
}

func (r *run) newCurveKeys() (curveKeys, bool) {
	var k curveKeys
	var err1, err2 error
	k.serverPub, k.serverSec, err1 = drivers.NewCurveKeypair()
	k.clientPub, k.clientSec, err2 = drivers.NewCurveKeypair()
	if err1 != nil || err2 != nil {
		r.fail("", "NewCurveKeypair", fmt.Sprint(err1, err2), "two key pairs")
		return k, false
	}
	return k, true
}

func curveServerOpts(k curveKeys) []optSet {
	return []optSet{{drivers.CURVE_SERVER, 1}, {drivers.CURVE_SECRETKEY, k.serverSec}, {drivers.ZAP_DOMAIN, []byte(zapDomain)}}
}

func curveClientOpts(serverPub, pub, sec string) []optSet {
	return []optSet{{drivers.CURVE_SERVERKEY, serverPub}, {drivers.CURVE_PUBLICKEY, pub}, {drivers.CURVE_SECRETKEY, sec}}
}

// curveExchangeRun: a CURVE client that knows the server's public key and
// the server (no ZAP handler) exchange messages.
func curveExchangeRun(r *run, pl secPlacement) {
	k, ok := r.newCurveKeys()
	if !ok {
		return
	}
	s, ok := newServer(r, pl, curveServerOpts(k), nil)
	if !ok {
		return
	}
	defer s.shutdown()
	if c, ok := s.newClient(curveClientOpts(k.serverPub, k.clientPub, k.clientSec), false); ok {
		exchangeRouterDealer(r, s.server, c, singleFrame)
	}
}

// curveWrongKeyRun: a client whose CURVE_SERVERKEY is not the server's
// public key cannot complete the handshake (RFC 26: the server cannot
// open the client's HELLO box), so its message never reaches the server;
// then a client with the right key gets through the same server, which
// shows the server was reachable all along.
func curveWrongKeyRun(r *run, pl secPlacement) {
	k, ok := r.newCurveKeys()
	if !ok {
		return
	}
	otherPub, _, err := drivers.NewCurveKeypair()
	if err != nil {
		r.fail("", "NewCurveKeypair", err.Error(), "a key pair")
		return
	}
	s, ok := newServer(r, pl, curveServerOpts(k), nil)
	if !ok {
		return
	}
	defer s.shutdown()
	if bad, ok := s.newClient(curveClientOpts(otherPub, k.clientPub, k.clientSec), true); ok {
		s.expectRefused(bad)
	}
	if r.stopped.Load() {
		return
	}
	if good, ok := s.newClient(curveClientOpts(k.serverPub, k.clientPub, k.clientSec), false); ok {
		exchangeRouterDealer(r, s.server, good, singleFrame)
	}
}

// zapPlainRun: with a ZAP handler that allows only plainUser/plainPass, a
// client with other credentials gets nothing through and the right one
// exchanges messages. The handler must have been asked about both, with
// the RFC 27 request fields.
func zapPlainRun(r *run, pl secPlacement) {
	zap := &zapHandler{mechanism: "PLAIN", allow: allowPlainUser}
	s, ok := newServer(r, pl, plainServerOpts(), zap)
	if !ok {
		return
	}
	defer s.shutdown()
	if bad, ok := s.newClient(plainClientOpts(intruderUser, intruderPass), true); ok {
		s.expectRefused(bad)
	}
	if r.stopped.Load() {
		return
	}
	if good, ok := s.newClient(plainClientOpts(plainUser, plainPass), false); ok {
		exchangeRouterDealer(r, s.server, good, singleFrame)
	}
	zap.stop()
	zap.check(r, s.server.name, []string{intruderUser, plainUser}, func(creds [][]byte) string {
		if len(creds) != 2 {
			return fmt.Sprintf("%d credential frames", len(creds))
		}
		return string(creds[0])
	})
}

// zapCurveRun: with a ZAP handler that allows only one client public key,
// a client with another key pair (and the right server key) is refused and
// the allowed one exchanges messages. RFC 27: the CURVE credential is the
// client's 32-byte long-term public key.
func zapCurveRun(r *run, pl secPlacement) {
	k, ok := r.newCurveKeys()
	if !ok {
		return
	}
	otherPub, otherSec, err := drivers.NewCurveKeypair()
	if err != nil {
		r.fail("", "NewCurveKeypair", err.Error(), "a key pair")
		return
	}
	allowed, _ := drivers.Z85Decode(k.clientPub)
	zap := &zapHandler{mechanism: "CURVE", allow: func(creds [][]byte) bool {
		return len(creds) == 1 && bytes.Equal(creds[0], allowed)
	}}
	s, ok := newServer(r, pl, curveServerOpts(k), zap)
	if !ok {
		return
	}
	defer s.shutdown()
	if bad, ok := s.newClient(curveClientOpts(k.serverPub, otherPub, otherSec), true); ok {
		s.expectRefused(bad)
	}
	if r.stopped.Load() {
		return
	}
	if good, ok := s.newClient(curveClientOpts(k.serverPub, k.clientPub, k.clientSec), false); ok {
		exchangeRouterDealer(r, s.server, good, singleFrame)
	}
	zap.stop()
	zap.check(r, s.server.name, []string{otherPub, k.clientPub}, func(creds [][]byte) string {
		if len(creds) != 1 || len(creds[0]) != drivers.CurveKeyLen {
			return fmt.Sprintf("%d credential frames (want one %d-byte key)", len(creds), drivers.CurveKeyLen)
		}
		z, _ := drivers.Z85Encode(creds[0])
		return z
	})
}

// zapHandler is an RFC 27 handler: a REP socket bound at
// drivers.ZAPEndpoint in the server's context, answering 200 to requests
// allow accepts and 400 to the rest, and recording every request.
type zapHandler struct {
	mechanism string
	allow     func(creds [][]byte) bool

	sock     side
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once

	mu       sync.Mutex
	requests []drivers.Msg
	bad      []string // malformed requests, described
}

// zapPoll is how long each handler Recv waits before checking for stop.
const zapPoll = 50 * time.Millisecond

func (z *zapHandler) start(r *run, c *trackedContext, d drivers.Driver) bool {
	s, ok := r.newSocket(c, d, drivers.REP)
	if !ok {
		return false
	}
	s.name = "ZAP handler " + s.name
	if !r.bind(s, drivers.ZAPEndpoint) {
		return false
	}
	z.sock, z.quit, z.done = s, make(chan struct{}), make(chan struct{})
	go func() {
		defer close(z.done)
		defer r.recoverPanic(s.name)
		z.serve(r)
	}()
	return true
}

// serve answers requests until stop.
func (z *zapHandler) serve(r *run) {
	for {
		select {
		case <-z.quit:
			return
		default:
		}
		req, ok, failed := r.recvWithin(z.sock, zapPoll, "Recv ZAP request")
		if failed {
			return
		}
		if !ok {
			continue
		}
		if !r.send(z.sock, z.reply(req), "Send ZAP reply") {
			return
		}
	}
}

// reply records req and builds the RFC 27 reply: version, request id,
// status code, status text, user id, metadata.
func (z *zapHandler) reply(req drivers.Msg) drivers.Msg {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.requests = append(z.requests, req)
	// Request: version, request id, domain, address, identity,
	// mechanism, credentials... (RFC 27 §"ZAP request").
	if len(req) < 6 || string(req[0]) != "1.0" {
		z.bad = append(z.bad, describeMsg(req))
		return drivers.MsgFromStrings("1.0", "", "500", "malformed request", "", "")
	}
	id := req[1]
	status, text := "400", "denied"
	if string(req[5]) == z.mechanism && z.allow(req[6:]) {
		status, text = "200", "OK"
	}
	return drivers.Msg{[]byte("1.0"), id, []byte(status), []byte(text), []byte("drivertest-user"), {}}
}

// stop ends the handler loop and waits for it (a Recv in flight returns
// within zapPoll).
func (z *zapHandler) stop() {
	if z.quit == nil {
		return
	}
	z.stopOnce.Do(func() {
		close(z.quit)
		<-z.done
	})
}

// check judges what the handler saw: every request well formed (version
// "1.0", the server's ZAP_DOMAIN, the case's mechanism), and a request for
// each wanted client, named by who (username or Z85 key).
func (z *zapHandler) check(r *run, server string, want []string, who func(creds [][]byte) string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, b := range z.bad {
		r.fail(server, "ZAP request", b, "version 1.0 and at least 6 frames (RFC 27)")
	}
	seen := map[string]bool{}
	for _, req := range z.requests {
		if len(req) < 6 {
			continue
		}
		if string(req[2]) != zapDomain {
			r.fail(server, "ZAP request domain", fmt.Sprintf("%q", req[2]), fmt.Sprintf("%q (the server's ZAP_DOMAIN)", zapDomain))
		}
		if string(req[5]) != z.mechanism {
			r.fail(server, "ZAP request mechanism", fmt.Sprintf("%q", req[5]), fmt.Sprintf("%q", z.mechanism))
			continue
		}
		seen[who(req[6:])] = true
	}
	for _, w := range want {
		if !seen[w] {
			var got []string
			for k := range seen {
				got = append(got, k)
			}
			r.fail(server, "ZAP requests", fmt.Sprintf("requests for %q", got), fmt.Sprintf("a request for %q", w))
		}
	}
}
