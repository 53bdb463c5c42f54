package main

import (
	"slices"
	"testing"
)

// TestWorkerArgsCarryTheSelection: a worker rebuilds the plan from its
// arguments, so every selection flag must reach it, or the workers would
// run another matrix than the one the parent planned and counts.
func TestWorkerArgsCarryTheSelection(t *testing.T) {
	o := &conformanceOpts{sel: selection{drivers: []string{"pyzmq"}, pairs: []string{"a:b"}, transports: []string{"tcp"},
		patterns: []string{"reqrep"}, cases: []string{"x.*"}, labelFilter: "grade:MUST", scenarios: []string{"dir"}, allDrivers: true}}
	got := workerArgs(o, 1, 2, "part")
	for _, want := range []string{"--all-drivers", "--driver=pyzmq", "--pair=a:b", "--transport=tcp", "--pattern=reqrep", "--case=x.*", "--label-filter=grade:MUST", "--scenarios=dir", "--shard=1/2"} {
		if !slices.Contains(got, want) {
			t.Errorf("worker args %v lack %s", got, want)
		}
	}
}
