package remote_test

import (
	"context"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// BenchmarkRoundTrip measures one REQ→REP→REQ round trip of a 64-byte
// message over tcp (two sends and two receives), with the driver in this
// process and through an agent; the difference is the remote driver's
// per-call overhead (four calls per round trip):
//
//	go test ./drivers/remote -run '^$' -bench RoundTrip -benchtime 2000x
func BenchmarkRoundTrip(b *testing.B) {
	for _, name := range []string{"libzmq", "remote:libzmq", "gozmq", "remote:gozmq"} {
		b.Run(name, func(b *testing.B) {
			d, err := drivers.Lookup(name)
			if err != nil {
				b.Fatal(err)
			}
			c, err := d.NewContext()
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			eps, err := drivers.NewEndpoints()
			if err != nil {
				b.Fatal(err)
			}
			defer eps.Close()
			ep, _ := eps.New(drivers.TCP)
			rep, _ := c.NewSocket(drivers.REP)
			req, _ := c.NewSocket(drivers.REQ)
			if err := rep.Bind(ep); err != nil {
				b.Fatal(err)
			}
			if err := req.Connect(ep); err != nil {
				b.Fatal(err)
			}
			msg := drivers.Msg{make([]byte, 64)}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			echo := make(chan error, 1)
			go func() {
				for range b.N {
					m, err := rep.Recv(ctx)
					if err == nil {
						err = rep.Send(ctx, m)
					}
					if err != nil {
						echo <- err
						return
					}
				}
				echo <- nil
			}()
			b.ResetTimer()
			for range b.N {
				if err := req.Send(ctx, msg); err != nil {
					b.Fatal(err)
				}
				if _, err := req.Recv(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := <-echo; err != nil {
				b.Fatal(err)
			}
		})
	}
}
