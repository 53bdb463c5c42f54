package scenarios

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/zmtp"
)

// Probe is a case's raw ZMTP peer (drivers/zmtp): the harness itself
// speaking the protocol byte by byte to the subject's socket. Exactly one
// of Listen and Dial is set; each names a symbolic endpoint like a role's
// bind/connect.
type Probe struct {
	Listen string // the probe binds; the subject role connects to it
	Dial   string // the subject role binds; the probe connects
	Pos    Pos
}

// Endpoint is the probe's symbolic endpoint name.
func (p *Probe) Endpoint() string {
	if p.Listen != "" {
		return p.Listen
	}
	return p.Dial
}

// The wire step kinds (see FORMAT.md, "Wire cases").
const (
	StepWireAccept       StepKind = "wire_accept"
	StepWireConnect      StepKind = "wire_connect"
	StepWireSendGreeting StepKind = "wire_send_greeting"
	StepWireExpGreeting  StepKind = "wire_expect_greeting"
	StepWireHandshake    StepKind = "wire_handshake"
	StepWireSendReady    StepKind = "wire_send_ready"
	StepWireExpReady     StepKind = "wire_expect_ready"
	StepWireSendMessage  StepKind = "wire_send_message"
	StepWireExpMessage   StepKind = "wire_expect_message"
	StepWireSendCommand  StepKind = "wire_send_command"
	StepWireExpCommand   StepKind = "wire_expect_command"
	StepWireExpSubscr    StepKind = "wire_expect_subscription"
	StepWireSendRaw      StepKind = "wire_send_raw"
	StepWireExpClosed    StepKind = "wire_expect_closed"
	StepWireExpOpen      StepKind = "wire_expect_open"
	StepWireClose        StepKind = "wire_close"
	StepWireSync         StepKind = "wire_sync"
	StepWireRequire      StepKind = "wire_require_version"
)

// WireStep holds the fields of a wire_* step; only those of its kind are
// set.
type WireStep struct {
	Conn    string        // probe connection name; "p" when not given
	Timeout time.Duration // bound on each read/write (default Tw)
	Within  time.Duration // wire_expect_closed / wire_expect_open window

	// Greeting fields (send: what to put on the wire; expect: what must be
	// there). From/To select an octet range [From, To) of the 64.
	Major        byte
	Minor        byte
	MinorAtLeast byte
	Mechanism    string
	AsServer     byte
	AsServerAny  bool   // expect: `as_server: any` leaves the octet unjudged (it is still logged)
	Padding      []byte // 8 octets, or nil for zeros
	From, To     int

	// READY fields.
	SocketType string
	Identity   []byte // nil: none sent / not checked
	NoIdentity bool   // wire_expect_ready: the IUT must send no Identity
	Properties []zmtp.Property

	Frames []Frame // wire_send_message / wire_expect_message
	Long   bool    // wire_send_message: LONG form for every frame

	Name string   // command name
	Data *Frame   // command data (nil: any, for expect)
	Skip []string // wire_expect_command: commands that may come first

	Raw []byte // wire_send_raw

	Topic  []byte // wire_expect_subscription
	Cancel bool

	Socket string // wire_sync: the subject role that publishes
	Probe  string // wire_sync: probe message text

	Abort bool // wire_close: reset instead of FIN
}

// defaultConn names the probe connection of steps that give none.
const defaultConn = "p"

// probeConn is one live probe connection and what it has exchanged.
type probeConn struct {
	name      string
	c         *zmtp.Conn
	greet     []byte // the greeting this side sends (64 octets), once chosen
	sent      int    // octets of greet already sent
	major     byte   // of the greeting sent
	minor     byte
	peer      []byte // octets of the peer's greeting read so far
	md        zmtp.Metadata
	haveMD    bool
	outOfStep bool // a read consumed bytes outside frame boundaries
}

// wireState is the probe side of one run.
type wireState struct {
	mu      sync.Mutex
	lis     *zmtp.Listener
	conns   map[string]*probeConn // live connections by name
	all     []*probeConn          // every connection opened, in order
	pending sync.WaitGroup        // asynchronous connects of the subject role
}

func (r *runner) wireState() *wireState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.wire == nil {
		r.wire = &wireState{conns: map[string]*probeConn{}}
	}
	return r.wire
}

// wireSetup opens the probe's listener before any role, so a subject role
// that connects to it finds it bound.
func (r *runner) wireSetup() error {
	p := r.c.Probe
	if p == nil {
		return nil
	}
	w := r.wireState()
	if p.Listen == "" {
		return nil
	}
	ep, err := r.endpoint(p.Listen)
	if err != nil {
		r.harnessErr(err)
		return err
	}
	l, err := zmtp.Listen(ep)
	if err != nil {
		r.harnessErr(fmt.Errorf("%s: probe: %w", p.Pos, err))
		return err
	}
	w.mu.Lock()
	w.lis = l
	w.mu.Unlock()
	r.log("probe", "listen", l.Endpoint(), nil)
	return nil
}

// wireConnect runs a subject role's connect to the probe's listening
// endpoint in the background and reports true. Some implementations
// (go-zeromq) run the whole ZMTP handshake inside connect, which can only
// finish once the probe's steps answer it, so the call must not hold up
// the steps. Its outcome is logged; the wire steps judge the connection.
func (r *runner) wireConnect(role string, s drivers.Socket, bind bool, name string) bool {
	p := r.c.Probe
	if p == nil || bind || p.Listen == "" || name != p.Listen {
		return false
	}
	ep, err := r.endpoint(name)
	if err != nil {
		r.harnessErr(err)
		return true
	}
	w := r.wireState()
	w.pending.Add(1)
	r.log(role, "connect", ep+" (runs beside the probe's steps)", nil)
	go func() {
		defer w.pending.Done()
		err := s.Connect(ep)
		if err != nil && drivers.KindOf(err) == drivers.KindUnsupported {
			r.callErr(role, "connect "+ep, err, Pos{})
			return
		}
		r.log(role, "connect returned", ep, err)
	}()
	return true
}

// wireCleanup closes the probe's connections and listener (which also
// releases a connect still waiting on the probe), then folds every
// connection's byte log into the record's events.
func (r *runner) wireCleanup() {
	r.mu.Lock()
	w := r.wire
	r.mu.Unlock()
	if w == nil {
		return
	}
	w.mu.Lock()
	all := append([]*probeConn(nil), w.all...)
	lis := w.lis
	w.mu.Unlock()
	for _, pc := range all {
		_ = pc.c.Close()
	}
	if lis != nil {
		_ = lis.Close()
	}
	done := make(chan struct{})
	go func() { w.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(r.scale(dialBound)):
		r.log("probe", "note", "the subject's connect to the probe had not returned at cleanup", nil)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, pc := range all {
		for _, e := range pc.c.Log().Events(r.start) {
			e.Role = "probe:" + pc.name
			r.events = append(r.events, e)
		}
	}
	sort.SliceStable(r.events, func(i, j int) bool { return r.events[i].At < r.events[j].At })
}
