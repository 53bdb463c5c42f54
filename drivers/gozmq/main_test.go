package gozmq

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// libraryLeaks are goroutines go-zeromq v0.17.0 itself never ends after
// Close; they are not the driver's, so goleak is told to ignore them:
//   - internal/inproc (*conn).read selects only on data and the read
//     deadline, not on either end closing (internal/inproc/conn.go), so
//     every inproc connection reader, and the accept loop's handshake on
//     the pipe nobody dialed (socket.accept, socket.go), stays blocked.
//   - (*pubMWriter).run waits on a sync.Cond that only pubMWriter.Close
//     signals, and socket.Close never calls it (pub.go, socket.go): one
//     goroutine per PUB/XPUB socket, on every transport.
//
// The driver's own goroutines are checked separately (pumpLeaks), so these
// ignores cannot hide a pump stuck in one of those reads.
var libraryLeaks = []goleak.Option{
	goleak.IgnoreTopFunction("github.com/go-zeromq/zmq4/internal/inproc.(*conn).read"),
	goleak.IgnoreAnyFunction("github.com/go-zeromq/zmq4.(*pubMWriter).run"),
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && os.Getenv(childEnv) == "" {
		if err := pumpLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		} else if err := goleak.Find(libraryLeaks...); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// pumpLeaks reports driver pump goroutines still alive after every test
// closed its sockets. Close waits for them, so none should be left.
func pumpLeaks() error {
	const marker = "drivers/gozmq.(*pump).run"
	var buf []byte
	for i := 0; i < 20; i++ {
		buf = make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		if !strings.Contains(string(buf), marker) {
			return nil
		}
		time.Sleep(10 * time.Millisecond) // no signal exists for "goroutine gone"
	}
	return fmt.Errorf("driver pump goroutines leaked:\n%s", buf)
}
