package perf

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	_ "github.com/zharness/zharness/drivers/gozmq"
	_ "github.com/zharness/zharness/drivers/libzmq"
)

// peerEnv makes the test binary act as a peer process: "1" runs PeerMain,
// "die" fails at once with a message on stderr, "hang" never answers.
const peerEnv = "ZH_PERF_TEST_PEER"

func TestMain(m *testing.M) {
	switch os.Getenv(peerEnv) {
	case "":
		os.Exit(m.Run())
	case "die":
		fmt.Fprintln(os.Stderr, "boom: simulated peer crash")
		os.Exit(3)
	case "hang":
		fmt.Fprintln(os.Stderr, "hanging on purpose")
		// Bounded so that a broken kill cannot leave it behind for long.
		time.Sleep(2 * time.Minute)
		os.Exit(4)
	default:
		if err := PeerMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// testPeer re-executes this test binary as a peer in the given mode.
func testPeer(mode string) func(args ...string) *exec.Cmd {
	return func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), peerEnv+"="+mode)
		return cmd
	}
}
