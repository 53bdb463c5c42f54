package drivers

import "context"

// PollEvents is a set of readiness events, as zmq_poll's ZMQ_POLLIN and
// ZMQ_POLLOUT.
type PollEvents uint8

// Poll events.
const (
	// PollIn: a whole message can be received without blocking.
	PollIn PollEvents = 1 << iota
	// PollOut: a message can be sent without blocking.
	PollOut
)

// String names the set as "in", "out", "in|out" or "none".
func (e PollEvents) String() string {
	switch e & (PollIn | PollOut) {
	case PollIn:
		return "in"
	case PollOut:
		return "out"
	case PollIn | PollOut:
		return "in|out"
	}
	return "none"
}

// PollItem asks for Events on Socket.
type PollItem struct {
	Socket Socket
	Events PollEvents
}

// Poller is the optional capability FeaturePoller, implemented by a
// Context whose implementation can wait on several sockets at once.
//
// Poll waits until at least one item has one of its requested events, or
// until ctx's deadline, and returns, per item in order, the requested
// events that are ready (all none when the deadline passed: that is not
// an error). It must never take a message from a socket: readiness is
// observed, not produced by a hidden reader, so a driver whose
// implementation has no poller does not implement Poller at all. Every
// item's socket belongs to this context.
type Poller interface {
	Poll(ctx context.Context, items []PollItem) ([]PollEvents, error)
}
