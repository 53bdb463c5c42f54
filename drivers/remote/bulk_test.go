package remote_test

import (
	"context"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
)

// TestBulkThroughAgent: an agent whose driver has measurement loops
// (libzmq's C loops) declares bulk, and the client runs a throughput and
// a latency pair through it, each end in an agent of its own.
func TestBulkThroughAgent(t *testing.T) {
	noChildrenLeft(t)
	d := lookup(t, "remote:libzmq")
	b, ok := drivers.AsBulk(d)
	if !ok {
		t.Skip("remote:libzmq has no bulk loops in this build (no cgo)")
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range []struct {
		name       string
		bind, conn func(context.Context, drivers.BulkSpec) (drivers.BulkResult, error)
		bt, ct     drivers.SocketType
	}{
		{"throughput", b.ThroughputRecv, b.ThroughputSend, drivers.PULL, drivers.PUSH},
		{"latency", b.LatencyServe, b.LatencyClient, drivers.REP, drivers.REQ},
	} {
		ep, err := eps.New(drivers.TCP)
		if err != nil {
			t.Fatal(err)
		}
		spec := drivers.BulkSpec{Endpoint: ep, Size: 64, Count: 2000, Warmup: 10}
		type out struct {
			r   drivers.BulkResult
			err error
		}
		bound := make(chan out, 1)
		go func() {
			s := spec
			s.Socket, s.Bind = c.bt, true
			r, err := c.bind(ctx, s)
			bound <- out{r, err}
		}()
		s := spec
		s.Socket = c.ct
		cr, cerr := c.conn(ctx, s)
		br := <-bound
		if cerr != nil || br.err != nil {
			t.Fatalf("%s: connecting end %v, binding end %v", c.name, cerr, br.err)
		}
		measured := br.r
		if c.name == "latency" {
			measured = cr
			if len(cr.Samples) != 2000 {
				t.Errorf("latency: %d samples, want 2000", len(cr.Samples))
			}
		}
		if measured.Count != 2000 || measured.Elapsed <= 0 {
			t.Errorf("%s: measured %+v", c.name, measured)
		}
		t.Logf("%s through agents: %d in %v", c.name, measured.Count, measured.Elapsed)
	}
}
