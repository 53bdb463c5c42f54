package remote_test

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/zharness/zharness/drivers/remote"

	// The agents are this test binary re-executed: it must know the drivers.
	_ "github.com/zharness/zharness/drivers/faulty"
	_ "github.com/zharness/zharness/drivers/gozmq"
	_ "github.com/zharness/zharness/drivers/libzmq"
)

// agentEnv makes a re-executed test binary an agent instead of a test run.
const agentEnv = "ZH_REMOTE_TEST_AGENT"

// rawEnv makes a re-executed test binary a broken agent that writes its
// value as its first frame (under 256 bytes).
const rawEnv = "ZH_REMOTE_TEST_RAW"

// TestMain serves as the agent when re-executed (as "zharness peer driver"
// would), and otherwise runs the tests, pointing remote.Command at this
// binary and failing the run if a goroutine is left behind.
func TestMain(m *testing.M) {
	if raw, ok := os.LookupEnv(rawEnv); ok {
		// A broken agent: one frame of raw text, then silence until stdin ends.
		hdr := []byte{0, 0, 0, byte(len(raw))}
		os.Stdout.Write(append(hdr, raw...))
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	if os.Getenv(agentEnv) == "1" {
		if err := remote.PeerMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "agent:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	remote.Command = func(args ...string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		// A race-enabled binary sleeps 1 s before exiting by default
		// (atexit_sleep_ms); every agent's Close would pay for it.
		cmd.Env = append(os.Environ(), agentEnv+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		return cmd
	}
	// The in-process Serve tests run go-zeromq in this process; its own
	// leaks are documented in drivers/gozmq/main_test.go.
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("github.com/go-zeromq/zmq4/internal/inproc.(*conn).read"),
		goleak.IgnoreAnyFunction("github.com/go-zeromq/zmq4.(*pubMWriter).run"),
	)
}

// noChildrenLeft fails t, when it ends, if any process this test process
// started is still alive or unreaped. Every agent is reaped by the time
// its Context.Close (or the probe in Lookup) returns, so no wait is needed.
func noChildrenLeft(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		if kids := children(); len(kids) > 0 {
			t.Errorf("child processes left behind: %s", strings.Join(kids, "; "))
		}
	})
}

// children lists "pid state cmdline" of this process's children, from /proc.
func children() []string {
	self := strconv.Itoa(os.Getpid())
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []string
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // it exited while we looked
		}
		// pid (comm) state ppid ...; comm may hold spaces, so cut at ')'.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[1] == self {
			out = append(out, strings.Fields(s)[0]+" "+f[0]+" "+s[:i+1])
		}
	}
	return out
}

// within fails t if d exceeds limit.
func within(t *testing.T, what string, d, limit time.Duration) {
	t.Helper()
	if d > limit {
		t.Errorf("%s took %v, want at most %v", what, d, limit)
	}
}
