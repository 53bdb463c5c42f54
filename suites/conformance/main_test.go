package conformance_test

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/zharness/zharness/suites/conformance"
)

// childEnv marks a re-executed test binary that runs one isolated spec.
const childEnv = "ZH_SPEC_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := conformance.ChildMain(os.Args[1:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testIsolation runs each spec in a re-executed copy of this test binary,
// so an implementation that crashes its process fails one spec only.
func testIsolation() *conformance.Isolation {
	return &conformance.Isolation{Command: func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		return cmd
	}}
}
