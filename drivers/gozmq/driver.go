// Package gozmq is the zharness driver for github.com/go-zeromq/zmq4, the
// pure-Go ZeroMQ implementation. It registers itself as "gozmq".
//
// The driver adds no behaviour of its own (decisions.md, ruling 8). Where
// the library lacks something the contract names, the driver refuses it
// with drivers.KindUnsupported and a comment below cites the library code
// that shows the gap.
//
// Deadlines: the library's Recv takes no timeout, so each socket has one
// long-lived receive goroutine and one send goroutine (see pump.go), each
// started at the first call that needs it and calling the library only when
// asked. A call whose deadline passes leaves the library call in flight; its
// late result goes to the next call on that socket.
package gozmq

import (
	"context"
	"runtime/debug"

	"github.com/go-zeromq/zmq4"
	"github.com/zharness/zharness/drivers"
)

// Name is the registry name of this driver.
const Name = "gozmq"

// modulePath is the module whose version Version reports.
const modulePath = "github.com/go-zeromq/zmq4"

// fallbackVersion is reported when the binary carries no build info (e.g.
// built outside module mode); it names the version go.mod pins.
const fallbackVersion = "v0.17.0"

func init() {
	drivers.Register(Name, func() (drivers.Driver, error) { return New(), nil })
}

// Driver is the go-zeromq driver. Its zero value is not usable; call New.
type Driver struct {
	version string
}

// New returns the go-zeromq driver.
func New() *Driver {
	return &Driver{version: moduleVersion()}
}

// moduleVersion reads the go-zeromq version linked into this binary.
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fallbackVersion
	}
	for _, dep := range info.Deps {
		if dep.Path != modulePath {
			continue
		}
		if dep.Replace != nil && dep.Replace.Version != "" {
			return dep.Replace.Version
		}
		if dep.Version != "" {
			return dep.Version
		}
	}
	return fallbackVersion
}

// Name returns "gozmq".
func (*Driver) Name() string { return Name }

// Version returns the go-zeromq module version, e.g. "v0.17.0".
func (d *Driver) Version() string { return d.version }

// Capabilities lists what go-zeromq's API offers; see capabilities.go.
func (*Driver) Capabilities() drivers.Capabilities { return capabilities() }

// NewContext returns a fresh context. go-zeromq has no context object of
// its own: every constructor takes a context.Context, so one
// context.Context per drivers.Context stands in for it and cancelling it
// ends every socket made from it.
func (*Driver) NewContext() (drivers.Context, error) {
	ctx, cancel := context.WithCancel(context.Background())
	return &Context{ctx: ctx, cancel: cancel, socks: map[*Socket]struct{}{}}, nil
}

// constructors maps each socket type to its go-zeromq constructor.
var constructors = map[drivers.SocketType]func(context.Context, ...zmq4.Option) zmq4.Socket{
	drivers.REQ: zmq4.NewReq, drivers.REP: zmq4.NewRep,
	drivers.DEALER: zmq4.NewDealer, drivers.ROUTER: zmq4.NewRouter,
	drivers.PUB: zmq4.NewPub, drivers.SUB: zmq4.NewSub,
	drivers.XPUB: zmq4.NewXPub, drivers.XSUB: zmq4.NewXSub,
	drivers.PUSH: zmq4.NewPush, drivers.PULL: zmq4.NewPull,
	drivers.PAIR: zmq4.NewPair,
}

var _ drivers.Driver = (*Driver)(nil)
