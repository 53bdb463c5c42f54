package scenarios

import "embed"

// Embedded holds the default scenarios shipped inside the zharness binary,
// so it runs without the source tree.
//
//go:embed conformance all:perf
var Embedded embed.FS
