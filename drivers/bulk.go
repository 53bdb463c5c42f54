package drivers

import (
	"context"
	"time"
)

// Bulk is an optional interface of a Driver that can run a whole
// measurement loop itself, so that a benchmark measures the implementation
// rather than the per-message cost of the harness's Socket path
// (decisions.md, ruling 9). The perf runner finds it by type assertion and
// falls back to Send/Recv on a Socket when it is absent.
//
// Each method creates its own context and socket, binds or connects it as
// the spec says, runs the loop, closes everything and returns. Every loop
// is bounded by ctx's deadline (DefaultTimeout when it has none) even when
// the peer vanishes; a loop that cannot be interrupted must check the
// deadline itself, e.g. through receive and send timeouts.
type Bulk interface {
	// ThroughputRecv receives spec.Warmup untimed messages (at least one,
	// like libzmq's local_thr) and then spec.Count timed ones; Elapsed runs
	// from the end of the last untimed message to the last timed one.
	ThroughputRecv(ctx context.Context, spec BulkSpec) (BulkResult, error)
	// ThroughputSend sends spec.Warmup + spec.Count messages of spec.Size
	// bytes as fast as the socket takes them.
	ThroughputSend(ctx context.Context, spec BulkSpec) (BulkResult, error)
	// LatencyServe echoes spec.Warmup + spec.Count messages back.
	LatencyServe(ctx context.Context, spec BulkSpec) (BulkResult, error)
	// LatencyClient makes spec.Warmup untimed round trips, then spec.Count
	// timed ones; it records each timed round trip in Samples (nanoseconds,
	// round trip, not halved) and their total in Elapsed.
	LatencyClient(ctx context.Context, spec BulkSpec) (BulkResult, error)
}

// BulkSpec describes one bulk loop.
type BulkSpec struct {
	// Socket is the socket type of this end: PULL or SUB for
	// ThroughputRecv, PUSH or PUB for ThroughputSend, REP or PAIR for
	// LatencyServe, REQ or PAIR for LatencyClient.
	Socket   SocketType
	Endpoint string
	// Bind says whether this end binds (true) or connects.
	Bind   bool
	Size   int // bytes per message
	Count  int // timed messages or round trips
	Warmup int // untimed messages or round trips before the timed ones
}

// Total is the number of messages or round trips the loop handles.
func (s BulkSpec) Total() int {
	w := s.Warmup
	if w < 1 {
		w = 1
	}
	return w + s.Count
}

// BulkResult is what a bulk loop measured.
type BulkResult struct {
	// Elapsed is the timed part of the loop (see each method).
	Elapsed time.Duration
	// Count is the number of timed messages or round trips completed.
	Count int
	// Samples holds per-round-trip times in nanoseconds (LatencyClient).
	Samples []int64
}

// BulkProvider is implemented by a driver type whose bulk support depends
// on the instance (one Go type can serve several registry names, of which
// only some run their loops natively).
type BulkProvider interface {
	// Bulk returns the instance's bulk loops, or false when it has none.
	Bulk() (Bulk, bool)
}

// AsBulk returns d's bulk loops when it has them: through BulkProvider
// when d implements it, else when d itself implements Bulk.
func AsBulk(d Driver) (Bulk, bool) {
	if p, ok := d.(BulkProvider); ok {
		return p.Bulk()
	}
	b, ok := d.(Bulk)
	return b, ok
}
