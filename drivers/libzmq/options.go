//go:build cgo

package libzmq

import (
	"fmt"
	"slices"
	"syscall"
	"time"

	zmq "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// setters maps every known option to the pebbe/zmq4 setter of the libzmq
// option of the same name. libzmq 4.3 has all of them, so the driver
// declares them all. Values were already converted to the option's kind.
var setters = map[drivers.Option]func(zs *zmq.Socket, n int, b []byte) error{
	drivers.SNDHWM:   func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetSndhwm(n) },
	drivers.RCVHWM:   func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetRcvhwm(n) },
	drivers.SNDTIMEO: func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetSndtimeo(millis(n)) },
	drivers.RCVTIMEO: func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetRcvtimeo(millis(n)) },
	drivers.LINGER:   func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetLinger(millis(n)) },
	// The binding passes the Go string's bytes and length to libzmq
	// (C.CString copies NULs too), so binary prefixes survive.
	drivers.SUBSCRIBE:   func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetSubscribe(string(b)) },
	drivers.UNSUBSCRIBE: func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetUnsubscribe(string(b)) },
	// ZMQ_IDENTITY is libzmq's old name of ZMQ_ROUTING_ID (same number).
	drivers.ROUTING_ID:       func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetIdentity(string(b)) },
	drivers.ROUTER_MANDATORY: func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetRouterMandatory(n) },
	drivers.CONFLATE:         func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetConflate(n != 0) },
	drivers.IMMEDIATE:        func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetImmediate(n != 0) },
	drivers.RECONNECT_IVL:    func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetReconnectIvl(millis(n)) },
	drivers.XPUB_VERBOSE:     func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetXpubVerbose(n) },
	drivers.REQ_RELAXED:      func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetReqRelaxed(n) },
	drivers.REQ_CORRELATE:    func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetReqCorrelate(n) },
	// Security (zmq_setsockopt(3)). libzmq lets the last of these decide
	// the mechanism and role. pebbe passes an empty username or password
	// as NULL, which libzmq takes as "back to NULL mechanism", the same as
	// a zero-length value.
	drivers.PLAIN_SERVER:   func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetPlainServer(n) },
	drivers.PLAIN_USERNAME: func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetPlainUsername(string(b)) },
	drivers.PLAIN_PASSWORD: func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetPlainPassword(string(b)) },
	// CURVE keys: pebbe hands libzmq the string's bytes and length, so
	// 32 raw bytes (NULs included) and 40 Z85 characters both arrive as
	// libzmq expects them; any other length is libzmq's EINVAL.
	drivers.CURVE_SERVER:    func(zs *zmq.Socket, n int, _ []byte) error { return zs.SetCurveServer(n) },
	drivers.CURVE_PUBLICKEY: func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetCurvePublickey(string(b)) },
	drivers.CURVE_SECRETKEY: func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetCurveSecretkey(string(b)) },
	drivers.CURVE_SERVERKEY: func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetCurveServerkey(string(b)) },
	drivers.ZAP_DOMAIN:      func(zs *zmq.Socket, _ int, b []byte) error { return zs.SetZapDomain(string(b)) },
}

// curveOptions exist in libzmq only when it was built with CURVE
// (libsodium or tweetnacl; options.cpp handles them under
// ZMQ_HAVE_CURVE and answers EINVAL otherwise), so the driver declares
// them only when zmq_has("curve") says so.
var curveOptions = []drivers.Option{
	drivers.CURVE_SERVER, drivers.CURVE_PUBLICKEY, drivers.CURVE_SECRETKEY, drivers.CURVE_SERVERKEY,
}

// typeSpecific lists, for options only some socket types accept, the types
// whose libzmq class handles them (libzmq 4.3: sub.cpp, router.cpp, xpub.cpp,
// req.cpp; REP is a ROUTER and PUB an XPUB underneath). libzmq answers the
// others with EINVAL, the same errno as for a bad value. TestOptionTypeTable
// checks this table against the loaded library.
var typeSpecific = map[drivers.Option][]drivers.SocketType{
	drivers.SUBSCRIBE:        {drivers.SUB},
	drivers.UNSUBSCRIBE:      {drivers.SUB},
	drivers.ROUTER_MANDATORY: {drivers.ROUTER, drivers.REP},
	drivers.XPUB_VERBOSE:     {drivers.XPUB, drivers.PUB},
	drivers.REQ_RELAXED:      {drivers.REQ},
	drivers.REQ_CORRELATE:    {drivers.REQ},
}

// millis converts a scenario time in milliseconds for pebbe's
// time.Duration setters, which turn it back into milliseconds (−1 stays −1).
func millis(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// supportedOptions is every known option that has a setter, sorted,
// without the CURVE options when the loaded libzmq lacks CURVE.
func supportedOptions() []drivers.Option {
	curve := zmq.HasCurve()
	var opts []drivers.Option
	for o := range drivers.KnownOptions {
		if !curve && slices.Contains(curveOptions, o) {
			continue
		}
		if _, ok := setters[o]; ok {
			opts = append(opts, o)
		}
	}
	slices.Sort(opts)
	return opts
}

// optionValue converts value to the form of option kind k: an int for int
// and bool options, bytes for byte options.
func optionValue(k drivers.OptionKind, value any) (int, []byte, error) {
	switch k {
	case drivers.BytesOption:
		switch v := value.(type) {
		case []byte:
			return 0, v, nil
		case string:
			return 0, []byte(v), nil
		}
		return 0, nil, fmt.Errorf("want []byte or string, got %T", value)
	case drivers.BoolOption:
		n, err := intValue(value)
		if err != nil {
			return 0, nil, err
		}
		// libzmq rejects anything but 0 and 1 for its boolean options,
		// and pebbe's bool setters would hide that, so check here.
		if n != 0 && n != 1 {
			return 0, nil, fmt.Errorf("want 0 or 1, got %d", n)
		}
		return n, nil, nil
	}
	n, err := intValue(value)
	return n, nil, err
}

func intValue(value any) (int, error) {
	switch v := value.(type) {
	case int:
		return v, nil
	case int32:
		return int(v), nil
	case int64:
		return int(v), nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("want int, got %T", value)
}

// optionErr classifies a setsockopt failure. EINVAL for an option that
// only some socket types have, on a type that lacks it, is KindNotAllowed:
// the option exists in libzmq and the driver passes it on, so the refusal
// is the socket type's behaviour (like ENOTSUP for recv on PUB), not a gap
// in the implementation's API (KindUnsupported, which would grade the case
// UNIMPLEMENTED). Any other EINVAL is a bad value: KindOther.
func optionErr(op string, t drivers.SocketType, o drivers.Option, err error) error {
	if isErrno(err, syscall.EINVAL) {
		if types, ok := typeSpecific[o]; ok && !slices.Contains(types, t) {
			return drivers.Errorf(drivers.KindNotAllowed, op, fmt.Errorf("%s has no option %s: %w", t, o, err))
		}
		return drivers.Errorf(drivers.KindOther, op, err)
	}
	return mapErr(op, err)
}
