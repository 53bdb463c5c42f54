package drivers

import (
	"context"
	"time"
)

// DefaultTimeout bounds a blocking call whose context carries no deadline.
const DefaultTimeout = 5 * time.Second

// Driver is one ZeroMQ implementation as the harness sees it.
type Driver interface {
	// Name is the registry name, e.g. "gozmq" or "libzmq".
	Name() string
	// Version is the implementation's own version string (module version,
	// library version), not the driver's.
	Version() string
	// Capabilities says what the implementation's API offers.
	Capabilities() Capabilities
	// NewContext creates an isolated context. Sockets of one context may
	// use inproc between them; sockets of different contexts or drivers
	// may not.
	NewContext() (Context, error)
}

// Context owns sockets. Close closes every socket still open (with linger
// 0) and releases the implementation's context.
type Context interface {
	NewSocket(t SocketType) (Socket, error)
	Close() error
}

// Socket is one ZeroMQ socket. Its methods may be called from any goroutine;
// the driver serialises access as the implementation requires.
type Socket interface {
	Type() SocketType
	// Bind listens on endpoint (e.g. "tcp://127.0.0.1:5555").
	Bind(endpoint string) error
	// Connect dials endpoint; like ZeroMQ it may return before the link is up.
	Connect(endpoint string) error
	// Send sends a whole multipart message, bounded by ctx's deadline
	// (DefaultTimeout when none).
	Send(ctx context.Context, m Msg) error
	// Recv receives a whole multipart message, bounded by ctx's deadline.
	Recv(ctx context.Context) (Msg, error)
	// SetOption sets an option (see KnownOptions for value types).
	SetOption(name Option, value any) error
	// Close closes the socket. Further calls return KindClosed.
	Close() error
}

// Capabilities lists what an implementation's API supports. Each entry a
// driver leaves out must be justified by the implementation's API (see
// decisions.md, ruling 3): RFC behaviour is never a capability.
type Capabilities struct {
	Sockets    []SocketType
	Transports []Transport
	Options    []Option
	// Features names optional features such as "poller" or "monitor".
	Features []string
}

// HasSocket reports whether t is supported.
func (c Capabilities) HasSocket(t SocketType) bool { return contains(c.Sockets, t) }

// HasTransport reports whether t is supported.
func (c Capabilities) HasTransport(t Transport) bool { return contains(c.Transports, t) }

// HasOption reports whether o is supported.
func (c Capabilities) HasOption(o Option) bool { return contains(c.Options, o) }

// HasFeature reports whether f is supported.
func (c Capabilities) HasFeature(f string) bool { return contains(c.Features, f) }

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// WithDefaultDeadline returns ctx bounded by DefaultTimeout when it has no
// deadline of its own. Drivers call it at the top of every blocking method.
func WithDefaultDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// Feature names.
const (
	// FeaturePerfVariant marks a driver that shares another driver's
	// implementation and differs only in how performance is measured
	// (libzmq-binding beside libzmq); conformance skips it by default.
	FeaturePerfVariant = "perf-variant"
	// FeaturePoller marks a driver that implements Poller.
	FeaturePoller = "poller"
	// FeaturePLAIN marks a driver whose implementation offers the PLAIN
	// mechanism (RFC 24) through PLAIN_SERVER, PLAIN_USERNAME and
	// PLAIN_PASSWORD.
	FeaturePLAIN = "plain"
	// FeatureCURVE marks a driver whose implementation offers the CURVE
	// mechanism (RFC 26) through the CURVE_* options.
	FeatureCURVE = "curve"
	// FeatureZAP marks a driver whose implementation consults a ZAP
	// handler (RFC 27): a REP socket bound at ZAPEndpoint in the same
	// context as the server socket answers its authentication requests.
	FeatureZAP = "zap"
)

// ZAPEndpoint is where RFC 27 puts the ZAP handler: an inproc endpoint in
// the context of the sockets it authenticates.
const ZAPEndpoint = "inproc://zeromq.zap.01"
