package drivers

import (
	"errors"
	"fmt"
)

// Kind classifies a driver error into the few outcomes scenarios reason
// about; the underlying implementation error is kept for the event log.
type Kind int

// Error kinds.
const (
	KindOther           Kind = iota
	KindTimeout              // the deadline passed (EAGAIN)
	KindUnsupported          // outside the driver's capabilities (ENOTSUP)
	KindInvalidState         // operation not allowed now (EFSM)
	KindHostUnreachable      // ROUTER_MANDATORY to an unknown peer (EHOSTUNREACH)
	KindClosed               // the socket or context is closed (ENOTSOCK, ETERM)
	// KindNotAllowed: the socket type does not allow the operation at all
	// (libzmq ENOTSUP, e.g. recv on PUB). It is behaviour under test, unlike
	// KindUnsupported, which says the driver's API lacks a feature.
	KindNotAllowed
	// KindCrashed: the implementation's process died during the call (an
	// out-of-process driver reports it, with the evidence in the error).
	KindCrashed
	// KindHung: the implementation stopped answering past the call's
	// deadline and was killed.
	KindHung
)

var kindNames = map[Kind]string{
	KindOther: "other", KindTimeout: "timeout", KindUnsupported: "unsupported",
	KindInvalidState: "invalid-state", KindHostUnreachable: "host-unreachable",
	KindClosed: "closed", KindNotAllowed: "not-allowed", KindCrashed: "crashed", KindHung: "hung",
}

// String returns the kind's name as scenarios spell it.
func (k Kind) String() string { return kindNames[k] }

// ParseKind parses a kind name as written in scenarios.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n == s {
			return k, nil
		}
	}
	return KindOther, fmt.Errorf("unknown error kind %q (valid: other, timeout, unsupported, invalid-state, host-unreachable, closed, not-allowed, crashed, hung)", s)
}

// Sentinels so callers can write errors.Is(err, drivers.ErrTimeout).
var (
	ErrTimeout         = &Error{Kind: KindTimeout}
	ErrUnsupported     = &Error{Kind: KindUnsupported}
	ErrInvalidState    = &Error{Kind: KindInvalidState}
	ErrHostUnreachable = &Error{Kind: KindHostUnreachable}
	ErrClosed          = &Error{Kind: KindClosed}
	ErrNotAllowed      = &Error{Kind: KindNotAllowed}
)

// Error is a classified driver error.
type Error struct {
	Kind Kind
	Op   string // "send", "recv", "bind", "setsockopt SNDHWM", ...
	Err  error  // the implementation's error, if any
}

// Errorf builds an *Error of kind k for op, wrapping cause (may be nil).
func Errorf(k Kind, op string, cause error) *Error { return &Error{Kind: k, Op: op, Err: cause} }

// Unsupported builds the error for a request outside the capabilities.
func Unsupported(op, what string) *Error {
	return &Error{Kind: KindUnsupported, Op: op, Err: errors.New(what + " is not supported by this implementation")}
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the implementation's error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches any *Error of the same kind, so the sentinels work with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Op == "" && t.Err == nil
}

// KindOf returns the kind of err, KindOther for unclassified errors, and
// -1 for nil.
func KindOf(err error) Kind {
	if err == nil {
		return -1
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}
