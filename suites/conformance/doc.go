// Package conformance turns declarative scenarios into a Ginkgo suite: one
// spec per case × driver pairing × transport, each ending in a graded
// verdict written as a results record.
//
// The same tree runs under `go test ./suites/conformance` (TestConformance)
// and inside the zharness binary (Run, with its own GinkgoTestingT), so a
// user needs neither the source tree nor a Go toolchain.
package conformance
