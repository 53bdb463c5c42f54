//go:build cgo

package libzmq

import (
	"errors"
	"fmt"
	"runtime/debug"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// Registry names of the two drivers this package provides.
const (
	// Name is the driver for libzmq itself; conformance runs on it.
	Name = "libzmq"
	// BindingName is the driver for per-message use of pebbe/zmq4.
	BindingName = "libzmq-binding"
)

// bindingModule is the Go module that wraps libzmq, and bindingPinned its
// version in go.mod, reported when the binary carries no module list (test
// binaries); TestPinnedBindingVersion keeps the two in step.
const (
	bindingModule = "github.com/pebbe/zmq4"
	bindingPinned = "v1.4.0"
)

func init() {
	drivers.Register(Name, New)
	drivers.Register(BindingName, NewBinding)
}

// driver implements drivers.Driver for both names; binding says which one,
// so that the C bulk loops can later attach to Name only.
type driver struct {
	name    string
	binding bool
}

// New returns the "libzmq" driver, or an error when the libzmq that is
// linked at run time cannot be used by the binding.
func New() (drivers.Driver, error) { return newDriver(Name, false) }

// NewBinding returns the "libzmq-binding" driver.
func NewBinding() (drivers.Driver, error) { return newDriver(BindingName, true) }

func newDriver(name string, binding bool) (drivers.Driver, error) {
	// pebbe/zmq4 reports a version mismatch between the headers it was
	// built with and the library loaded at run time as version 0.0.0 (its
	// init refuses to make contexts then).
	if major, _, _ := zmq.Version(); major != 4 {
		return nil, errors.New("libzmq: pebbe/zmq4 cannot use the libzmq loaded at run time (need libzmq 4.x)")
	}
	return &driver{name: name, binding: binding}, nil
}

func (d *driver) Name() string { return d.name }

// Version is the version of the libzmq that is actually loaded (not the
// headers'), plus the binding's module version for libzmq-binding.
func (d *driver) Version() string {
	major, minor, patch := zmq.Version()
	v := fmt.Sprintf("libzmq %d.%d.%d", major, minor, patch)
	if d.binding {
		v += " via " + bindingModule + " " + bindingVersion()
	}
	return v
}

// bindingVersion reads the binding's module version from the build info.
func bindingVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == bindingModule {
				if m.Replace != nil {
					return m.Replace.Version
				}
				return m.Version
			}
		}
	}
	return bindingPinned
}

// Capabilities lists everything the libzmq API offers among what the
// harness knows: all socket types, tcp, inproc, ipc (when libzmq was built
// with it) and every known option (the CURVE ones only when built with
// CURVE); the poller (zmq_poll, poll.go). Security: PLAIN and ZAP are in
// every libzmq 4 build (plain_server.cpp; zap_client.cpp: a server sends
// ZAP requests to a REP socket bound at inproc://zeromq.zap.01 in its
// context when one exists); CURVE only when zmq_has("curve"). The
// monitor is not wired into this driver yet.
func (d *driver) Capabilities() drivers.Capabilities {
	transports := []drivers.Transport{drivers.TCP}
	if zmq.HasIpc() {
		transports = append(transports, drivers.IPC)
	}
	transports = append(transports, drivers.Inproc)
	features := []string{drivers.FeaturePoller, drivers.FeatureMetadata, drivers.FeaturePLAIN, drivers.FeatureZAP}
	if zmq.HasCurve() {
		features = append(features, drivers.FeatureCURVE)
	}
	if d.binding {
		// Same implementation as "libzmq"; only performance differs
		// (decisions.md, ruling 9), so conformance skips it by default.
		features = append(features, drivers.FeaturePerfVariant)
	}
	return drivers.Capabilities{
		Sockets:    append([]drivers.SocketType(nil), drivers.AllSocketTypes...),
		Transports: transports,
		Options:    supportedOptions(),
		Features:   features,
	}
}

// NewContext creates a libzmq context of its own, so inproc endpoints are
// shared only between sockets of the same drivers.Context.
func (d *driver) NewContext() (drivers.Context, error) {
	return newContext()
}
