package reports

import "time"

// Record kinds.
const (
	RecordConformance = "conformance"
	RecordPerf        = "perf"
	RecordMeta        = "meta" // trailer written by Writer.Finish; Read folds it into Header.Meta
)

// Record is one result: a conformance spec's verdict or one performance
// point. It is flat and self-describing so that a reader needs nothing but
// the file.
type Record struct {
	Type string `json:"type"` // RecordConformance or RecordPerf

	// Identity of the spec.
	Case      string `json:"case"`             // stable id, e.g. "reqrep.req-round-robin"
	Title     string `json:"title,omitempty"`  // one line
	Clause    string `json:"clause,omitempty"` // checklist id, e.g. "RFC 28 §REQ-3"
	Grade     Grade  `json:"grade,omitempty"`  // MUST / SHOULD / MAY
	Require   string `json:"requirement,omitempty"`
	Pattern   string `json:"pattern,omitempty"`   // reqrep, pubsub, pipeline, pair, ...
	Subject   string `json:"subject"`             // driver of the judged role
	Peer      string `json:"peer,omitempty"`      // driver of the other roles
	Transport string `json:"transport,omitempty"` // tcp, ipc, inproc
	File      string `json:"file,omitempty"`      // scenario file:line

	// Outcome.
	Verdict  Verdict  `json:"verdict,omitempty"`
	FailKind FailKind `json:"fail_kind,omitempty"`
	Reason   string   `json:"reason,omitempty"`   // why, in one line
	Expected []string `json:"expected,omitempty"` // every acceptable outcome
	Actual   string   `json:"actual,omitempty"`   // what was observed
	Events   []Event  `json:"events,omitempty"`   // timestamped log
	Repro    string   `json:"repro,omitempty"`    // command that reruns this spec alone

	// Expectation bookkeeping (ci/expectations.yaml).
	ExpectedVerdict Verdict `json:"expected_verdict,omitempty"`
	Unexpected      bool    `json:"unexpected,omitempty"`

	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration_ns"`

	Perf *Perf `json:"perf,omitempty"`
	Meta *Meta `json:"meta,omitempty"` // only in a RecordMeta trailer
}

// Event is one entry of a spec's event log.
type Event struct {
	At     time.Duration `json:"at_ns"`            // since the spec started
	Role   string        `json:"role,omitempty"`   // socket role name
	Op     string        `json:"op"`               // send, recv, bind, error, note, wire-in, wire-out ...
	Detail string        `json:"detail,omitempty"` // frames, bytes in hex, ...
	Err    string        `json:"err,omitempty"`
}

// Perf is one performance point.
type Perf struct {
	Workload string `json:"workload"`       // throughput, latency, fanout
	Size     int    `json:"size"`           // message size in bytes
	Count    int    `json:"count"`          // messages (or round trips) timed
	Repeat   int    `json:"repeat"`         // index of this repetition
	Mode     string `json:"mode,omitempty"` // harness, native, bare, raw (see suites/perf)
	// Topology says where the remote end ran: two-process or same-process.
	Topology string `json:"topology,omitempty"`
	// Security is the ZMTP security mechanism of the point, "plain" or
	// "curve"; empty means NULL (and every record from before the field).
	Security string `json:"security,omitempty"`
	// Subscribers is the number of SUB sockets of a fanout point.
	Subscribers int `json:"subscribers,omitempty"`
	// Dropped counts messages a fanout subscriber never received (a PUB
	// socket drops at its high-water mark; that is ZeroMQ semantics, not
	// an error).
	Dropped int `json:"dropped,omitempty"`
	// Elapsed is the timed part of the run.
	Elapsed time.Duration `json:"elapsed_ns,omitempty"`

	MsgsPerSec float64 `json:"msgs_per_sec,omitempty"`
	MBPerSec   float64 `json:"mb_per_sec,omitempty"` // 10^6 bytes per second
	// MbitPerSec is megabits per second (10^6 bits), the unit libzmq's
	// perf tools print, kept for comparison with them.
	MbitPerSec   float64 `json:"mbit_per_sec,omitempty"`
	CPUPerMsgNS  float64 `json:"cpu_per_msg_ns,omitempty"`
	AllocsPerMsg float64 `json:"allocs_per_msg,omitempty"`

	// Latency, one-way (round trip / 2), nanoseconds.
	LatMean float64 `json:"lat_mean_ns,omitempty"`
	LatP50  int64   `json:"lat_p50_ns,omitempty"`
	LatP90  int64   `json:"lat_p90_ns,omitempty"`
	LatP99  int64   `json:"lat_p99_ns,omitempty"`
	LatP999 int64   `json:"lat_p999_ns,omitempty"`
	LatMax  int64   `json:"lat_max_ns,omitempty"`
	// Percentile distribution for HDR-style plots: (percentile, ns) pairs,
	// the percentile in 0–100 as HdrHistogram's ValueAtQuantile takes it
	// (99.9 means 99.9 %).
	LatDist [][2]float64 `json:"lat_dist,omitempty"`

	Error string `json:"error,omitempty"` // the point failed; stderr tail etc.
}
