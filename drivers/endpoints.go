package drivers

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
)

// Endpoints hands out unique endpoints for one run: free loopback TCP
// ports, ipc paths under a private temporary directory, and inproc names.
// Close removes the directory and any ipc files left in it.
type Endpoints struct {
	dir string
	seq atomic.Int64
}

// NewEndpoints creates the run's ipc directory.
func NewEndpoints() (*Endpoints, error) {
	// Unix socket paths are limited to ~107 bytes; keep the prefix short.
	dir, err := os.MkdirTemp("", "zh-")
	if err != nil {
		return nil, fmt.Errorf("endpoints: %w", err)
	}
	return &Endpoints{dir: dir}, nil
}

// Dir is the directory that holds ipc files.
func (e *Endpoints) Dir() string { return e.dir }

// New returns a fresh endpoint for transport t.
func (e *Endpoints) New(t Transport) (string, error) {
	n := e.seq.Add(1)
	switch t {
	case TCP:
		port, err := freeTCPPort()
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("tcp://127.0.0.1:%d", port), nil
	case IPC:
		return "ipc://" + filepath.Join(e.dir, fmt.Sprintf("%d.sock", n)), nil
	case Inproc:
		return fmt.Sprintf("inproc://zh-%d-%d", os.Getpid(), n), nil
	}
	return "", fmt.Errorf("endpoints: unknown transport %q", t)
}

// Close removes the ipc directory.
func (e *Endpoints) Close() error { return os.RemoveAll(e.dir) }

// freeTCPPort asks the kernel for an unused loopback port. The port is free
// when this returns; a concurrent process could take it before the bind,
// which the caller then sees as a bind error rather than a silent mix-up.
func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("endpoints: no free tcp port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
