//go:build cgo

package zmtp

import (
	"testing"

	pebbe "github.com/pebbe/zmq4"

	"github.com/zharness/zharness/drivers"
)

// The probe handshakes (NULL, offering 3.1) with a libzmq DEALER, through
// pebbe/zmq4 directly, in both roles over tcp and ipc, and a message goes
// each way. libzmq's greeting and READY are logged for the report.
func TestInteropLibzmq(t *testing.T) {
	major, minor, patch := pebbe.Version()
	t.Logf("libzmq %d.%d.%d", major, minor, patch)
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eps.Close() })
	zctx, err := pebbe.NewContext()
	if err != nil {
		t.Fatal(err)
	}
	// Every socket below has LINGER 0 and is closed before this runs, so
	// Term cannot block.
	t.Cleanup(func() { zctx.Term() })

	for _, tr := range []drivers.Transport{drivers.TCP, drivers.IPC} {
		for _, probeBinds := range []bool{true, false} {
			name := string(tr) + map[bool]string{true: "/probe-binds", false: "/probe-connects"}[probeBinds]
			t.Run(name, func(t *testing.T) {
				ep, err := eps.New(tr)
				if err != nil {
					t.Fatal(err)
				}
				sock, err := zctx.NewSocket(pebbe.DEALER)
				if err != nil {
					t.Fatal(err)
				}
				defer sock.Close()
				for _, err := range []error{
					sock.SetLinger(0),
					sock.SetRcvtimeo(testTimeout),
					sock.SetSndtimeo(testTimeout),
					sock.SetIdentity("lz-id"),
				} {
					if err != nil {
						t.Fatal(err)
					}
				}
				var c *Conn
				if probeBinds {
					l, err := Listen(ep)
					if err != nil {
						t.Fatal(err)
					}
					defer l.Close()
					// libzmq connects in the background; Connect returns at once.
					if err := sock.Connect(l.Endpoint()); err != nil {
						t.Fatal(err)
					}
					if c, err = l.Accept(testTimeout); err != nil {
						t.Fatal(err)
					}
				} else {
					if err := sock.Bind(ep); err != nil {
						t.Fatal(err)
					}
					if c, err = Dial(ep, testTimeout); err != nil {
						t.Fatal(err)
					}
				}
				defer c.Close()
				exchangeWithPeer(t, c, "libzmq", func() {},
					func(parts ...[]byte) error {
						args := make([]any, len(parts))
						for i, p := range parts {
							args[i] = p
						}
						_, err := sock.SendMessage(args...)
						return err
					},
					func() [][]byte {
						m, err := sock.RecvMessageBytes(0)
						if err != nil {
							t.Fatalf("libzmq recv: %v", err)
						}
						return m
					},
					"lz-id")
			})
		}
	}
}
