// Package perf runs zharness's performance workloads: PUSH/PULL
// throughput, REQ/REP and PAIR round-trip latency, and PUB/SUB fan-out,
// swept over message sizes, transports and drivers, as declared in
// scenarios/perf/*.yaml.
//
// The method is libzmq's perf tools' (local_thr/remote_thr,
// local_lat/remote_lat): throughput is timed at the receiver from the end
// of the untimed warm-up (at least the first message) to the last message;
// latency is round trip / 2 per message, kept in an HDR histogram.
//
// Each point is measured for several subjects, interleaved so that ratios
// are fair on a noisy machine (native, harness, native, harness, ...):
//
//   - mode "harness": the driver as zharness drives it. A driver that
//     implements drivers.Bulk runs the whole loop itself (the "libzmq"
//     driver, in C); others go through drivers.Socket Send/Recv.
//   - mode "native": standalone C programs against libzmq with no Go in the
//     process (drivers/libzmq/native, decisions.md ruling 12).
//   - mode "bare": a loop written directly against go-zeromq's API, the
//     reference for the gozmq driver.
//   - mode "raw": the same workload over a plain TCP or unix socket with
//     length-prefixed frames, the speed-of-light line.
//
// The remote end runs in its own process (PeerMain, exposed by the CLI as
// "zharness peer bench") unless the transport is inproc or same-process
// mode is asked for. Results go out as reports.Record values through a
// callback, and as Go benchmark lines that benchstat reads.
package perf
