package perf

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zharness/zharness/drivers"
)

// Peer roles: which Bulk method the remote end runs.
const (
	roleThrSend   = "throughput-send"
	roleThrRecv   = "throughput-recv"
	roleLatServe  = "latency-serve"
	roleLatClient = "latency-client"
)

// peerArgs is what the runner passes to a peer process.
type peerArgs struct {
	loops   string
	role    string
	spec    drivers.BulkSpec
	timeout time.Duration
	// security is the mechanism (SecNull when empty); its credentials
	// travel in the environment (peerSecurityEnv), not in the arguments.
	security string
}

func (a peerArgs) args() []string {
	s := a.spec
	return []string{
		"--loops", a.loops, "--role", a.role, "--socket", string(s.Socket),
		"--endpoint", s.Endpoint, fmt.Sprintf("--bind=%t", s.Bind),
		"--size", fmt.Sprint(s.Size), "--count", fmt.Sprint(s.Count),
		"--warmup", fmt.Sprint(s.Warmup), "--timeout", a.timeout.String(),
		"--watch-stdin", "--security", cmp.Or(a.security, SecNull),
	}
}

// PeerMain is the remote end of a two-process measurement (like libzmq's
// remote_thr and remote_lat); the CLI exposes it as "zharness peer bench".
// It runs one bulk loop of the named driver (or "raw" / "bare-gozmq"),
// prints its result as one JSON line on stdout and returns. With
// --watch-stdin it stops when stdin closes, so a peer whose parent died
// does not linger.
func PeerMain(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("peer bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a peerArgs
	var socket string
	var watch bool
	fs.StringVar(&a.loops, "loops", "", "driver name, or raw / bare-gozmq")
	fs.StringVar(&a.role, "role", "", "throughput-send, throughput-recv, latency-serve or latency-client")
	fs.StringVar(&socket, "socket", "", "socket type of this end")
	fs.StringVar(&a.spec.Endpoint, "endpoint", "", "endpoint")
	fs.BoolVar(&a.spec.Bind, "bind", false, "bind instead of connect")
	fs.IntVar(&a.spec.Size, "size", 0, "message size in bytes")
	fs.IntVar(&a.spec.Count, "count", 0, "timed messages or round trips")
	fs.IntVar(&a.spec.Warmup, "warmup", 1, "untimed messages or round trips")
	fs.DurationVar(&a.timeout, "timeout", time.Minute, "overall deadline")
	fs.BoolVar(&watch, "watch-stdin", false, "stop when stdin reaches EOF")
	fs.StringVar(&a.security, "security", SecNull, "mechanism: null, plain or curve (credentials in $"+peerSecurityEnv+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var creds *secCreds
	if a.security != SecNull {
		var err error
		if creds, err = credsFromEnv(a.security, os.Getenv(peerSecurityEnv)); err != nil {
			return fmt.Errorf("peer bench: %w", err)
		}
	}
	t, err := drivers.ParseSocketType(socket)
	if err != nil {
		return fmt.Errorf("peer bench: %w", err)
	}
	a.spec.Socket = t
	loops, err := loopsFor(a.loops, creds)
	if err != nil {
		return fmt.Errorf("peer bench: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
	defer cancel()
	if watch && stdin != nil {
		// The runner never writes; EOF means it is done with this peer (or
		// died). A finished loop may then close its socket (until then it
		// holds it open, see withHold); a loop still running gets a short
		// grace to finish its last call, then is cancelled.
		release := make(chan struct{})
		loops = withHold(loops, release)
		go func() {
			_, _ = io.Copy(io.Discard, stdin)
			close(release)
			time.AfterFunc(time.Second, cancel)
		}()
	}
	res, err := runRole(ctx, loops, a.role, a.spec)
	if err != nil {
		return fmt.Errorf("peer bench %s %s: %w", a.loops, a.role, err)
	}
	return json.NewEncoder(stdout).Encode(struct {
		Count     int   `json:"count"`
		ElapsedNS int64 `json:"elapsed_ns"`
	}{res.Count, int64(res.Elapsed)})
}

func runRole(ctx context.Context, l drivers.Bulk, role string, s drivers.BulkSpec) (drivers.BulkResult, error) {
	switch role {
	case roleThrSend:
		return l.ThroughputSend(ctx, s)
	case roleThrRecv:
		return l.ThroughputRecv(ctx, s)
	case roleLatServe:
		return l.LatencyServe(ctx, s)
	case roleLatClient:
		return l.LatencyClient(ctx, s)
	}
	return drivers.BulkResult{}, fmt.Errorf("unknown role %q", role)
}

// Reference loop names beside the registry's drivers.
const (
	loopsRaw  = "raw"
	loopsBare = "bare-gozmq"
)

// loopsByName returns the bulk loops for a driver name: the driver's own
// (drivers.AsBulk) when it has them, else its Socket path; "raw" and
// "bare-gozmq" name the references.
func loopsByName(name string) (drivers.Bulk, error) {
	switch name {
	case loopsRaw:
		return rawLoops{}, nil
	case loopsBare:
		return bareLoops{}, nil
	}
	d, err := drivers.Lookup(name)
	if err != nil {
		return nil, err
	}
	if b, ok := drivers.AsBulk(d); ok {
		return b, nil
	}
	return &socketLoops{drv: d}, nil
}

// loopsFor returns the loops for a driver name under a security
// mechanism: loopsByName's for NULL (creds nil), else the driver's Socket
// path with the mechanism's options, which only a driver without its own
// bulk loops can run (secSkip keeps the others out of a plan).
func loopsFor(name string, creds *secCreds) (drivers.Bulk, error) {
	if creds == nil {
		return loopsByName(name)
	}
	l, err := loopsByName(name)
	if err != nil {
		return nil, err
	}
	sl, ok := l.(*socketLoops)
	if !ok {
		return nil, fmt.Errorf("%s: its loops run NULL only, not %s", name, creds.Mech)
	}
	return &socketLoops{drv: sl.drv, sec: creds}, nil
}

// withHold makes the loops of implementations that drop queued messages
// when a socket closes keep a sending or echoing end's socket open until
// hold is closed, so the measuring end receives everything. libzmq (linger)
// and raw sockets (the kernel delivers before FIN) need no help.
func withHold(l drivers.Bulk, hold <-chan struct{}) drivers.Bulk {
	switch l := l.(type) {
	case *socketLoops:
		return &socketLoops{drv: l.drv, shared: l.shared, hold: hold, sec: l.sec}
	case bareLoops:
		return bareLoops{hold: hold}
	}
	return l
}

// DefaultPeerCommand runs this executable as "peer bench ARGS".
func DefaultPeerCommand(args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, append([]string{"peer", "bench"}, args...)...)
}

// proc is a supervised child process: its own process group (so a kill
// takes its children too), stdin held open as a liveness signal, stdout
// kept, and the tail of stderr kept for error reports.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout bytes.Buffer
	stderr tailBuffer
	done   chan struct{} // closed when the process has exited
	err    error         // Wait's result, valid after done
}

func startProc(name string, cmd *exec.Cmd) (*proc, error) {
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.Stdout, cmd.Stderr = &p.stdout, &p.stderr
	// Grandchildren holding the pipes open must not block Wait forever.
	cmd.WaitDelay = 2 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	p.stdin = in
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// failed reports whether the process has already exited unsuccessfully.
func (p *proc) failed() bool {
	select {
	case <-p.done:
		return p.err != nil
	default:
		return false
	}
}

// finish waits up to grace for the process to exit on its own, then kills
// its process group. It returns an error carrying the stderr tail when the
// process failed or had to be killed.
func (p *proc) finish(grace time.Duration) error {
	// Closing stdin tells a peer that the measuring end is done (see
	// PeerMain).
	p.stdin.Close()
	killed := false
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	select {
	case <-p.done:
	default:
		killed = true
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			return fmt.Errorf("%s: did not exit after SIGKILL", p.name)
		}
	}
	switch {
	case killed:
		return fmt.Errorf("%s: hung, killed after %v; stderr: %s", p.name, grace, p.stderr.tail())
	case p.err != nil:
		return fmt.Errorf("%s: %v; stderr: %s", p.name, p.err, p.stderr.tail())
	}
	return nil
}

// tailBuffer keeps the last tailMax bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailMax = 2048

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > tailMax {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailMax:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if s == "" {
		return "(empty)"
	}
	return s
}
