// Package drivers defines the contract between zharness and a ZeroMQ
// implementation under test, and a registry of drivers by name.
//
// A Driver hands out Contexts; a Context hands out Sockets. Every blocking
// call (Send, Recv) takes a context.Context whose deadline bounds it; when
// the caller gives no deadline the driver applies DefaultTimeout, so no call
// can hang the run.
//
// Drivers must not change what they test (decisions.md, ruling 8):
//   - no background reader that takes messages before the caller asks;
//   - at most one receive and one send in flight per socket;
//   - a receive that timed out while the implementation was still blocked
//     hands its late result to the next Recv on that socket;
//   - an option the implementation lacks is refused with KindUnsupported,
//     never emulated.
package drivers
