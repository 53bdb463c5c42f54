package remote

import (
	"context"
	"fmt"
	"time"

	"github.com/zharness/zharness/drivers"
)

// FeatureBulk marks an agent that runs whole measurement loops itself
// (PROTOCOL.md, "Measurement loops"), so benchmarks measure the
// implementation in its own language rather than one protocol round trip
// per message.
const FeatureBulk = "bulk"

// Bulk loop names on the wire.
const (
	loopThroughputRecv = "throughput_recv"
	loopThroughputSend = "throughput_send"
	loopLatencyServe   = "latency_serve"
	loopLatencyClient  = "latency_client"
)

// Bulk returns the agent's measurement loops when its hello declares
// them (drivers.BulkProvider).
func (d *Driver) Bulk() (drivers.Bulk, bool) {
	if !d.caps.HasFeature(FeatureBulk) {
		return nil, false
	}
	return agentLoops{d}, true
}

var _ drivers.BulkProvider = (*Driver)(nil)

// agentLoops runs each loop in a fresh agent, like a context.
type agentLoops struct{ d *Driver }

func (a agentLoops) ThroughputRecv(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return a.run(ctx, loopThroughputRecv, s)
}

func (a agentLoops) ThroughputSend(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return a.run(ctx, loopThroughputSend, s)
}

func (a agentLoops) LatencyServe(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return a.run(ctx, loopLatencyServe, s)
}

func (a agentLoops) LatencyClient(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return a.run(ctx, loopLatencyClient, s)
}

// run starts an agent, asks it for one loop bounded by ctx's deadline and
// ends the agent. The agent's own start-up is outside the measured part
// (each loop times itself).
func (a agentLoops) run(ctx context.Context, loop string, s drivers.BulkSpec) (drivers.BulkResult, error) {
	op := "bulk " + loop
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	c, err := a.d.start()
	if err != nil {
		return drivers.BulkResult{}, err
	}
	defer func() { _ = c.shutdown() }()
	deadline, _ := ctx.Deadline()
	left := max(time.Until(deadline), 0)
	ms := int64((left + time.Millisecond - 1) / time.Millisecond)
	req := &Request{Op: OpBulk, Loop: loop, SocketType: string(s.Socket), Endpoint: s.Endpoint, Bind: s.Bind,
		Size: s.Size, Count: s.Count, Warmup: s.Warmup, DeadlineMS: &ms}
	res, err := c.call(op, req, left+Margin)
	if err != nil {
		return drivers.BulkResult{}, err
	}
	if res.Count < 0 || res.ElapsedNS < 0 {
		return drivers.BulkResult{}, drivers.Errorf(drivers.KindOther, op, fmt.Errorf("agent answered count %d, elapsed %d ns", res.Count, res.ElapsedNS))
	}
	return drivers.BulkResult{Elapsed: time.Duration(res.ElapsedNS), Count: res.Count, Samples: res.SamplesNS}, nil
}
