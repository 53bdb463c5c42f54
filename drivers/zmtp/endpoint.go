package zmtp

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// ParseEndpoint turns a ZeroMQ endpoint into a Go network and address:
// "tcp://host:port" → ("tcp", "host:port") and "ipc:///path" → ("unix",
// "/path"). A "*" host (bind to all interfaces) becomes the empty host.
func ParseEndpoint(endpoint string) (network, address string, err error) {
	switch {
	case strings.HasPrefix(endpoint, "tcp://"):
		addr := strings.TrimPrefix(endpoint, "tcp://")
		host, port, err := net.SplitHostPort(addr)
		if err != nil || port == "" {
			return "", "", fmt.Errorf("%w: %q: want tcp://host:port", ErrBadEndpoint, endpoint)
		}
		if host == "*" {
			host = ""
		}
		return "tcp", net.JoinHostPort(host, port), nil
	case strings.HasPrefix(endpoint, "ipc://"):
		path := strings.TrimPrefix(endpoint, "ipc://")
		if path == "" {
			return "", "", fmt.Errorf("%w: %q: empty ipc path", ErrBadEndpoint, endpoint)
		}
		return "unix", path, nil
	}
	return "", "", fmt.Errorf("%w: %q: only tcp:// and ipc:// are supported", ErrBadEndpoint, endpoint)
}

// Dial connects to endpoint within timeout and returns a client-side Conn
// whose reads and writes are each bounded by the same timeout.
func Dial(endpoint string, timeout time.Duration) (*Conn, error) {
	network, addr, err := ParseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	nc, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return nil, fmt.Errorf("zmtp: dial %s: %w", endpoint, err)
	}
	return NewConn(nc, false, timeout), nil
}

// Listener accepts probe connections on a tcp or ipc endpoint.
type Listener struct {
	l        net.Listener
	endpoint string
	timeout  time.Duration
}

// Listen binds endpoint. With "tcp://host:0" the kernel picks the port;
// Endpoint reports it.
func Listen(endpoint string) (*Listener, error) {
	network, addr, err := ParseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("zmtp: listen %s: %w", endpoint, err)
	}
	ep := endpoint
	if network == "tcp" {
		ep = "tcp://" + l.Addr().String()
	}
	return &Listener{l: l, endpoint: ep, timeout: DefaultTimeout}, nil
}

// Endpoint returns the bound endpoint, with the actual port for tcp.
func (l *Listener) Endpoint() string { return l.endpoint }

// Accept waits up to timeout for a connection and returns it as a
// server-side Conn using the same timeout for its reads and writes.
func (l *Listener) Accept(timeout time.Duration) (*Conn, error) {
	if dl, ok := l.l.(interface{ SetDeadline(time.Time) error }); ok {
		if err := dl.SetDeadline(time.Now().Add(timeout)); err != nil {
			return nil, fmt.Errorf("zmtp: accept: %w", err)
		}
	}
	nc, err := l.l.Accept()
	if err != nil {
		return nil, fmt.Errorf("zmtp: accept on %s: %w", l.endpoint, err)
	}
	return NewConn(nc, true, timeout), nil
}

// Close stops listening (and removes the ipc socket file).
func (l *Listener) Close() error { return l.l.Close() }
