package scenarios

import (
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// Case is one conformance case, immutable once loaded.
type Case struct {
	ID          string
	Title       string
	Clause      string        // checklist id, e.g. "RFC 28 §REQ-3"
	Grade       reports.Grade // grade of the clause
	Requirement string        // one sentence, our own words
	Pattern     string        // reqrep, pubsub, pipeline, pair, routing, general
	Transports  []drivers.Transport
	Subject     string        // name of the judged role
	Timeout     time.Duration // bound for the whole case
	Roles       []*Role       // in declaration order
	Steps       []*Step
	Probe       *Probe   // wire cases: the harness's raw ZMTP peer (wire.go)
	Keys        []string // CURVE keypairs made per run (security.go)
	Secrets     []string // random PLAIN credentials made per run
	Pos         Pos      // where the case starts
}

// Role is a named socket of a case.
type Role struct {
	Name     string
	Type     drivers.SocketType
	Options  []OptionSetting // applied in order before bind/connect
	Bind     []string        // symbolic endpoint names
	Connect  []string
	Deferred bool // not opened at start; an open step opens it
	// Side is "subject" for a role that lives in the subject's
	// implementation (and context) although it is not the judged socket,
	// e.g. the second socket a poll case polls; "peer" (the default) puts
	// it on the peer driver.
	Side string
	Pos  Pos
}

// OptionSetting is one option with its typed value (int or []byte).
type OptionSetting struct {
	Name  drivers.Option
	Value any
}

// Pos is a position in a scenario file.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return p.File + ":" + itoa(p.Line) + ":" + itoa(p.Col)
}

// StepKind names a step.
type StepKind string

// The step kinds (see FORMAT.md for their fields).
const (
	StepSend      StepKind = "send"
	StepRecv      StepKind = "recv"
	StepNoMessage StepKind = "no_message"
	StepCollect   StepKind = "collect"
	StepServe     StepKind = "serve"
	StepSync      StepKind = "sync"
	StepSetOption StepKind = "set_option"
	StepOpen      StepKind = "open"
	StepClose     StepKind = "close"
	StepBind      StepKind = "bind"
	StepConnect   StepKind = "connect"
	StepSettle    StepKind = "settle"
	StepParallel  StepKind = "parallel"
	StepRepeat    StepKind = "repeat"
)

// Step is one action with its expectation. Only the fields of its Kind are
// set.
type Step struct {
	Kind StepKind
	Pos  Pos

	Socket  string         // send, recv, no_message, set_option, open, close, bind, connect
	Sockets []string       // collect, no_message (several)
	Frames  []Frame        // send, recv (exact), serve (request)
	Prefix  []Frame        // recv: the first frames must equal these
	Count   int            // send/recv repeat count; collect/serve totals
	Save    map[string]int // recv: variable → frame index

	// Errors: the call must fail with one of these kinds ("any" = any error).
	Errors  []string
	Timeout time.Duration // deadline for this step's calls
	AtLeast time.Duration // the call must not return before this
	AtMost  time.Duration // returning later is NON-STRICT
	Within  time.Duration // no_message / collect window

	Option   OptionSetting // set_option
	Endpoint string        // bind/connect (symbolic)

	// collect/serve expectations.
	Expect Expect

	// sync
	From  string
	To    []string
	Probe string

	// serve: client sends, one of Sockets receives and replies with Reply.
	Reply []Frame

	Duration time.Duration // settle
	Why      string        // settle: mandatory reason

	Branches [][]*Step // parallel
	Times    int       // repeat
	Body     []*Step   // repeat

	Wire *WireStep // wire_* steps (wire.go)

	Poll  []PollSpec // poll, poll_timeout: the roles polled and for what
	Ready []PollSpec // poll: exactly what must be ready

	Metadata []MetaExpect // recv: message properties required (metadata.go)

	// Grade overrides the case grade for this step's violations (e.g. a
	// SHOULD sub-requirement inside a MUST case).
	Grade reports.Grade
}

// Expect holds aggregate expectations of collect and serve.
type Expect struct {
	PerSocket    int  // each socket gets exactly this many (0 = unchecked)
	MinPerSocket int  // each socket gets at least this many
	MaxPerSocket int  // each socket gets at most this many (0 = unchecked)
	RoundRobin   bool // message i and i+k go to the same socket; the first k to distinct ones
	InOrder      bool // per socket, the {i} numbers increase
	FairQueue    int  // (single socket) every window of this many reads has distinct tags
	NoDuplicates bool // no socket receives the same message twice
	ExactlyOnce  bool // across all the sockets, no message arrives twice (dealt, not copied)
	SameSocket   bool // serve: all replies come from one socket
}

// Frame is a frame template: literal bytes with optional {i} (the loop
// index) and ${name} (a saved variable) substitutions.
type Frame struct {
	Text  string // template text
	Raw   []byte // literal bytes (hex: or size:), no substitution
	IsRaw bool
}
