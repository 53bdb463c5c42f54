package gozmq

import (
	"fmt"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/zharness/zharness/drivers"
)

// capabilities is what go-zeromq v0.17.0 offers.
//
// Sockets: all eleven; each has a constructor (zmq4.NewReq ... zmq4.NewPair).
// Transports: tcp, ipc and inproc are registered in transport.go init()
// (udp too, which the harness does not know).
// Features: plain only. The library has no poller and no monitor (no such
// API in the package). Security: zmq4.WithSecurity takes a Security, and
// the module ships security/null and security/plain only; CurveSecurity is
// a named constant (security.go) with no implementation, so no curve. No
// ZAP: nothing in the module talks to inproc://zeromq.zap.01, and the
// PLAIN server authenticates nobody (plain.validateHello returns nil,
// "FIXME(sbinet): perform a real authentication").
func capabilities() drivers.Capabilities {
	return drivers.Capabilities{
		Sockets:    append([]drivers.SocketType(nil), drivers.AllSocketTypes...),
		Transports: []drivers.Transport{drivers.TCP, drivers.IPC, drivers.Inproc},
		Options:    supportedOptions(),
		Features:   []string{drivers.FeaturePLAIN},
	}
}

// optSpec says how one supported option maps onto the library.
type optSpec struct {
	// only lists the socket types whose go-zeromq SetOption/constructor
	// gives the option an effect; nil means every type.
	only []drivers.SocketType
	// ctor builds the constructor option for options go-zeromq only takes
	// at construction; nil for options set on a live socket.
	ctor func(v any) (zmq4.Option, error)
	// live sets the option on a constructed socket.
	live func(s zmq4.Socket, v any) error
	// check validates a live option's value when it is set, so a bad
	// value is refused at once even before the socket is built.
	check func(v any) error
	// plain updates the socket's PLAIN settings, which become one
	// constructor option (zmq4.WithSecurity) when the socket is built.
	plain func(p *plainSettings, v any)
}

// plainSettings collects PLAIN_SERVER, PLAIN_USERNAME and PLAIN_PASSWORD
// until construction. Like libzmq (options.cpp), the last of them set
// decides whether the mechanism is PLAIN: PLAIN_SERVER 1 or a non-empty
// username or password turns it on; PLAIN_SERVER 0 or an empty username or
// password turns it off.
//
// go-zeromq has no role option: a connection is the PLAIN server when this
// socket accepted it (socket.accept passes server=true to Open) and the
// client when it dialled it, whatever PLAIN_SERVER says. The driver passes
// that through rather than refusing the combination, so a PLAIN_SERVER
// socket that connects acts as a client and is judged by what it does
// (decisions.md, ruling 3).
type plainSettings struct {
	on         bool
	user, pass string
}

// optionSpecs lists the options go-zeromq's API really offers.
//
// The other known options are refused, because:
//   - RCVTIMEO: socket.Recv (socket.go) reads under context.WithCancel and
//     never consults the socket timeout; no receive timeout exists.
//   - RCVHWM: the receive queue is a channel of fixed size 10
//     (newQReader in msgio.go, newRouterQReader, newPubQReader); no option.
//   - SNDHWM on types other than PUB: only pubSocket.SetOption (pub.go)
//     handles OptionHWM; every other type's SetOption is socket.SetOption
//     (socket.go), which stores the value in a map nothing reads.
//   - LINGER: socket.Close (socket.go) closes every connection at once;
//     there is no linger option in options.go.
//   - ROUTER_MANDATORY: routerMWriter.write (router.go) skips unknown
//     routing ids silently; no option.
//   - CONFLATE, IMMEDIATE: no such option in options.go or any SetOption.
//   - XPUB_VERBOSE: xpubSocket.SetOption is socket.SetOption (no effect),
//     and pubQReader.listen (pub.go) swallows subscriptions.
//   - REQ_RELAXED, REQ_CORRELATE: req.go has no request state machine and
//     no options.
var optionSpecs = map[drivers.Option]optSpec{
	// SUBSCRIBE/UNSUBSCRIBE: subSocket.SetOption (sub.go) takes a string
	// value (it type-asserts value.(string)). XSUB has no subscription
	// option: xsubSocket.SetOption is socket.SetOption.
	drivers.SUBSCRIBE: {
		only: []drivers.SocketType{drivers.SUB},
		live: func(s zmq4.Socket, v any) error { return s.SetOption(zmq4.OptionSubscribe, bytesValue(v)) },
	},
	drivers.UNSUBSCRIBE: {
		only: []drivers.SocketType{drivers.SUB},
		live: func(s zmq4.Socket, v any) error { return s.SetOption(zmq4.OptionUnsubscribe, bytesValue(v)) },
	},
	// SNDHWM: pubSocket.SetOption(OptionHWM, int) bounds pubMWriter's
	// queue (pub.go); writes past it are dropped, 0 means no bound.
	drivers.SNDHWM: {
		only: []drivers.SocketType{drivers.PUB},
		check: func(v any) error {
			if n := v.(int); n < 0 {
				return fmt.Errorf("negative high-water mark %d", n)
			}
			return nil
		},
		live: func(s zmq4.Socket, v any) error { return s.SetOption(zmq4.OptionHWM, v.(int)) },
	},
	// ROUTING_ID: zmq4.WithID sets the identity sent in the ZMTP READY
	// metadata; it exists only as a constructor option (options.go).
	drivers.ROUTING_ID: {
		ctor: func(v any) (zmq4.Option, error) {
			id := bytesValue(v)
			if id == "" {
				// newSocket (socket.go) replaces an empty id by a UUID.
				return nil, fmt.Errorf("empty routing id would be replaced by a random one")
			}
			return zmq4.WithID(zmq4.SocketIdentity(id)), nil
		},
	},
	// SNDTIMEO: zmq4.WithTimeout is the deadline socket.Send and SendMulti
	// put on the library's own write (socket.go). Only positive values map:
	// WithTimeout(0) expires before any write so nothing could be sent
	// (not libzmq's non-blocking send), and there is no way to say "never"
	// (-1); the library's default is 5 minutes.
	drivers.SNDTIMEO: {
		ctor: func(v any) (zmq4.Option, error) {
			ms := v.(int)
			if ms <= 0 {
				return nil, fmt.Errorf("SNDTIMEO %d (only positive values map to zmq4.WithTimeout)", ms)
			}
			return zmq4.WithTimeout(time.Duration(ms) * time.Millisecond), nil
		},
	},
	// PLAIN_*: zmq4.WithSecurity(plain.Security(user, pass)), taken only at
	// construction (options.go), so these are constructor options too.
	drivers.PLAIN_SERVER: {plain: func(p *plainSettings, v any) { p.on = v.(int) == 1 }},
	drivers.PLAIN_USERNAME: {plain: func(p *plainSettings, v any) {
		p.user = bytesValue(v)
		p.on = p.user != ""
	}},
	drivers.PLAIN_PASSWORD: {plain: func(p *plainSettings, v any) {
		p.pass = bytesValue(v)
		p.on = p.pass != ""
	}},
	// RECONNECT_IVL: zmq4.WithDialerRetry is the pause between failed dial
	// attempts (socket.Dial, socket.go). -1 ("never reconnect") has no
	// equivalent.
	drivers.RECONNECT_IVL: {
		ctor: func(v any) (zmq4.Option, error) {
			ms := v.(int)
			if ms < 0 {
				return nil, fmt.Errorf("RECONNECT_IVL %d (no way to disable dial retries)", ms)
			}
			return zmq4.WithDialerRetry(time.Duration(ms) * time.Millisecond), nil
		},
	},
}

// supportedOptions lists optionSpecs' keys in the harness's stable order.
func supportedOptions() []drivers.Option {
	var opts []drivers.Option
	for _, o := range drivers.OptionNames() {
		if _, ok := optionSpecs[o]; ok {
			opts = append(opts, o)
		}
	}
	return opts
}

// checkValue verifies v has the Go type KnownOptions says o takes, and
// normalises it (byte options become string, which go-zeromq wants).
func checkValue(o drivers.Option, v any) (any, error) {
	kind, known := drivers.KnownOptions[o]
	if !known {
		return nil, fmt.Errorf("unknown option %q", o)
	}
	switch kind {
	case drivers.IntOption, drivers.BoolOption:
		n, ok := v.(int)
		if !ok {
			return nil, fmt.Errorf("option %s wants an int, got %T", o, v)
		}
		if kind == drivers.BoolOption && n != 0 && n != 1 {
			return nil, fmt.Errorf("option %s wants 0 or 1, got %d", o, n)
		}
		return n, nil
	case drivers.BytesOption:
		switch b := v.(type) {
		case []byte:
			return string(b), nil
		case string:
			return b, nil
		}
		return nil, fmt.Errorf("option %s wants []byte or string, got %T", o, v)
	}
	return nil, fmt.Errorf("option %s has an unknown value kind", o)
}

// bytesValue returns a checked byte option's value as go-zeromq wants it.
func bytesValue(v any) string { return v.(string) }
