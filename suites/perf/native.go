package perf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zharness/zharness/reports"
)

// The native reference programs (drivers/libzmq/native), built by
// drivers/libzmq/native/build.sh into the repository's bin directory.
const (
	nativeLocalThr  = "zh_local_thr"
	nativeRemoteThr = "zh_remote_thr"
	nativeLocalLat  = "zh_local_lat"
	nativeRemoteLat = "zh_remote_lat"
)

// FindNative returns the directory holding the native reference programs:
// dir when given, else beside this executable, else ./bin or the bin
// directory of the enclosing Go module, else the PATH. It returns "" and
// the places tried when they are not found.
func FindNative(dir string) (string, error) {
	var tried []string
	ok := func(d string) bool {
		tried = append(tried, d)
		st, err := os.Stat(filepath.Join(d, nativeRemoteLat))
		return err == nil && st.Mode()&0o111 != 0
	}
	if dir != "" {
		if ok(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("native reference programs not in %s", dir)
	}
	if exe, err := os.Executable(); err == nil && ok(filepath.Dir(exe)) {
		return filepath.Dir(exe), nil
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				if ok(filepath.Join(d, "bin")) {
					return filepath.Join(d, "bin"), nil
				}
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if p, err := exec.LookPath(nativeRemoteLat); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("native reference programs (%s...) not found in %s or PATH; build them with drivers/libzmq/native/build.sh bin",
		nativeLocalThr, strings.Join(tried, ", "))
}

// nativeOut is the parsed output of one native program.
type nativeOut struct {
	count   int
	elapsed time.Duration
	cpu     time.Duration
	samples []int64
}

func parseNative(out string) (nativeOut, error) {
	var n nativeOut
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<16), 1<<28)
	seen := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "zh-native":
			seen = true
			for _, kv := range f[1:] {
				k, v, _ := strings.Cut(kv, "=")
				i, _ := strconv.ParseInt(v, 10, 64)
				switch k {
				case "count":
					n.count = int(i)
				case "elapsed_ns":
					n.elapsed = time.Duration(i)
				case "cpu_ns":
					n.cpu = time.Duration(i)
				}
			}
		case "samples_ns":
			n.samples = make([]int64, 0, len(f)-1)
			for _, s := range f[1:] {
				i, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return n, fmt.Errorf("native: bad sample %q", s)
				}
				n.samples = append(n.samples, i)
			}
		}
	}
	if !seen {
		return n, fmt.Errorf("native: no result line in output %q", truncate(out, 200))
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// runNative runs the native pair for one point: the local program binds
// and the remote one connects, as libzmq's tools do. Throughput is read
// from the local (receiving) side, latency from the remote (timing) side.
func (r *runner) runNative(ctx context.Context, pt point, count int, p *reports.Perf) error {
	ep, err := r.eps.New(pt.transport)
	if err != nil {
		return err
	}
	var local, remote string
	var flags []string
	switch pt.w.Kind {
	case Throughput:
		local, remote = nativeLocalThr, nativeRemoteThr
	case Latency:
		local, remote = nativeLocalLat, nativeRemoteLat
		if pt.w.Pattern == PatternPair {
			flags = []string{"-pair"}
		}
	default:
		return fmt.Errorf("native: no reference for %s", pt.w.Kind)
	}
	timeout := r.opts.PointTimeout
	args := append(flags, ep, strconv.Itoa(pt.size), strconv.Itoa(count),
		strconv.Itoa(max(pt.w.Warmup, 1)), strconv.FormatInt(timeout.Milliseconds(), 10))
	lp, err := startProc(local, exec.CommandContext(ctx, filepath.Join(r.native, local), args...))
	if err != nil {
		return err
	}
	rp, err := startProc(remote, exec.CommandContext(ctx, filepath.Join(r.native, remote), args...))
	if err != nil {
		lp.finish(0)
		return err
	}
	// Each program stops itself at its deadline; the grace covers it.
	grace := timeout + 2*time.Second
	lerr := waitEither(lp, rp, grace)
	rerr := rp.finish(grace)
	if lerr != nil || rerr != nil {
		return joinNonNil(lerr, rerr)
	}
	measured := lp
	if pt.w.Kind == Latency {
		measured = rp
	}
	out, err := parseNative(measured.stdout.String())
	if err != nil {
		return err
	}
	p.CPUPerMsgNS = float64(out.cpu) / float64(max(out.count, 1))
	if pt.w.Kind == Latency {
		return fillLatency(p, out.samples, out.elapsed)
	}
	fillThroughput(p, out.count, out.elapsed)
	return nil
}

// waitEither finishes a when it exits or as soon as b fails, so a dead
// partner does not leave a waiting the whole grace period.
func waitEither(a, b *proc, grace time.Duration) error {
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-a.done:
	case <-b.done:
		if b.err != nil {
			return a.finish(0)
		}
		select {
		case <-a.done:
		case <-t.C:
		}
	case <-t.C:
	}
	return a.finish(0)
}

func joinNonNil(errs ...error) error {
	var msgs []string
	for _, e := range errs {
		if e != nil {
			msgs = append(msgs, e.Error())
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(msgs, "; "))
}
