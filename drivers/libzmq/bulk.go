//go:build cgo

package libzmq

/*
#cgo pkg-config: libzmq
#include <stdlib.h>
#include "native/zhloops.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/zharness/zharness/drivers"
)

// Bulk gives the "libzmq" driver's measurement loops, which run entirely in
// C (native/zhloops.h, shared with the native reference programs): one cgo
// call per run, so a benchmark measures libzmq and not the binding
// (decisions.md, ruling 9). "libzmq-binding" has none: its figures are the
// per-message Send/Recv path on purpose.
func (d *driver) Bulk() (drivers.Bulk, bool) {
	if d.binding {
		return nil, false
	}
	return cLoops{}, true
}

// cLoops implements drivers.Bulk with the C loops.
type cLoops struct{}

var _ drivers.Bulk = cLoops{}

// loopKind selects one of the four C loops.
type loopKind int

const (
	thrRecv loopKind = iota
	thrSend
	latServe
	latClient
)

// cSocketTypes maps the socket types the loops accept to libzmq's.
var cSocketTypes = map[drivers.SocketType]C.int{
	drivers.PULL: C.ZMQ_PULL, drivers.PUSH: C.ZMQ_PUSH,
	drivers.SUB: C.ZMQ_SUB, drivers.PUB: C.ZMQ_PUB,
	drivers.REQ: C.ZMQ_REQ, drivers.REP: C.ZMQ_REP, drivers.PAIR: C.ZMQ_PAIR,
}

func (cLoops) ThroughputRecv(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return runLoop(ctx, thrRecv, s)
}

func (cLoops) ThroughputSend(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return runLoop(ctx, thrSend, s)
}

func (cLoops) LatencyServe(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return runLoop(ctx, latServe, s)
}

func (cLoops) LatencyClient(ctx context.Context, s drivers.BulkSpec) (drivers.BulkResult, error) {
	return runLoop(ctx, latClient, s)
}

// runLoop runs one C loop to completion. The C side cannot see ctx, so its
// deadline is handed over as an absolute CLOCK_MONOTONIC time; cancelling
// ctx without a deadline does not stop a loop early, the deadline does.
func runLoop(ctx context.Context, k loopKind, s drivers.BulkSpec) (drivers.BulkResult, error) {
	ctx, cancel := drivers.WithDefaultDeadline(ctx)
	defer cancel()
	op := [...]string{"bulk throughput-recv", "bulk throughput-send", "bulk latency-serve", "bulk latency-client"}[k]
	typ, ok := cSocketTypes[s.Socket]
	if !ok {
		return drivers.BulkResult{}, drivers.Unsupported(op, "socket type "+string(s.Socket))
	}
	if s.Size < 0 || s.Count < 0 {
		return drivers.BulkResult{}, drivers.Errorf(drivers.KindOther, op, errors.New("negative size or count"))
	}
	dl, _ := ctx.Deadline()
	// The deadline lives in C memory so the loop can read it while it
	// runs; cancelling ctx moves it to "now" (an atomic store the C side
	// reads atomically), which stops the loop within ZH_POLL_MS.
	deadline := (*C.int64_t)(C.malloc(C.size_t(unsafe.Sizeof(C.int64_t(0)))))
	*deadline = C.zh_now_ns() + C.int64_t(time.Until(dl))
	moved := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		atomic.StoreInt64((*int64)(unsafe.Pointer(deadline)), 0)
		close(moved)
	})
	defer func() {
		if !stop() {
			<-moved // the store may still be running: free after it
		}
		C.free(unsafe.Pointer(deadline))
	}()
	ep := C.CString(s.Endpoint)
	defer C.free(unsafe.Pointer(ep))
	bind := C.int(0)
	if s.Bind {
		bind = 1
	}
	size, count, warm := C.size_t(s.Size), C.int64_t(s.Count), C.int64_t(s.Warmup)
	var r C.zh_result
	var rc C.int
	var samples []int64
	switch k {
	case thrRecv:
		rc = C.zh_thr_recv(typ, ep, bind, size, count, warm, deadline, &r)
	case thrSend:
		rc = C.zh_thr_send(typ, ep, bind, size, count, warm, deadline, &r)
	case latServe:
		rc = C.zh_lat_serve(typ, ep, bind, size, count, warm, deadline, &r)
	case latClient:
		// Go memory handed to C for the duration of the call only, and it
		// holds no Go pointers, so the cgo pointer rules allow it.
		samples = make([]int64, max(s.Count, 1))
		rc = C.zh_lat_client(typ, ep, bind, size, count, warm, deadline,
			(*C.int64_t)(unsafe.Pointer(&samples[0])), &r)
	}
	res := drivers.BulkResult{Elapsed: time.Duration(r.elapsed_ns), Count: int(r.count)}
	if samples != nil {
		res.Samples = samples[:res.Count]
	}
	if rc != 0 {
		kind := drivers.KindOther
		msg := C.GoString(&r.err[0])
		if ctx.Err() != nil || time.Now().After(dl) {
			kind = drivers.KindTimeout
		}
		return res, drivers.Errorf(kind, op, fmt.Errorf("%s (after %d of %d)", msg, res.Count, s.Count))
	}
	return res, nil
}
