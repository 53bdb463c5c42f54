//go:build !unix

package scenarios_test

import "time"

// cpuTime is not measured here; CPU-time bounds then always hold and only
// the wall-clock bound applies.
func cpuTime() time.Duration { return 0 }
