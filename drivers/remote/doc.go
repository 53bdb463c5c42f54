// Package remote is a driver that runs another driver in a child process
// and talks to it over a small, versioned control protocol (PROTOCOL.md):
// length-prefixed JSON frames on the child's stdin and stdout.
//
// It exists so that an implementation that crashes (a panic in its own
// goroutine, a SIGSEGV in C, os.Exit) or hangs past every deadline costs
// one verdict, not the run: the client supervises every call with a
// deadline, kills a child that overruns it (its whole process group) and
// reports the call as drivers.KindHung, and turns a child that died into
// drivers.KindCrashed, each with the child's exit status and stderr. One
// child serves one drivers.Context, so the next NewContext starts afresh.
//
// The same protocol is the door for implementations in other languages:
// an agent in Java, Python or JavaScript that speaks PROTOCOL.md is a
// driver. This package holds both halves in Go:
//   - the client, registered as the name pattern "remote:INNER" (e.g.
//     "remote:libzmq", "remote:faulty:panic=1/libzmq"), which starts
//     Command("--driver", INNER) for each context;
//   - the agent, Serve and PeerMain, which serves any in-process driver;
//     the CLI exposes it as "zharness peer driver --driver NAME".
package remote
