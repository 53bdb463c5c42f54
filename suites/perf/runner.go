package perf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/metrics"
	"slices"
	"syscall"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

// Options tunes a Run. The zero value runs the plan's "full" profile with
// every driver, transport and size it names, each remote end in its own
// process.
type Options struct {
	// Filters: empty means everything the plan declares. Workloads match a
	// workload id or kind; Drivers match the driver name of a subject
	// ("libzmq", "gozmq", "libzmq-binding", "raw"); Modes match harness,
	// native, bare or raw.
	Drivers    []string
	Transports []drivers.Transport
	Workloads  []string
	Modes      []string
	Sizes      []int
	// Quick selects the plan's "quick" profile instead of "full".
	Quick bool
	// Repeats, when positive, overrides every workload's repeats.
	Repeats int
	// CountScale, when positive, multiplies every count (tests use tiny
	// counts this way).
	CountScale float64
	// SameProcess runs the remote end in a goroutine of this process
	// instead of a peer process (always so for inproc).
	SameProcess bool
	// PeerCommand builds the command for a peer process given the
	// "peer bench" flags; default DefaultPeerCommand.
	PeerCommand func(args ...string) *exec.Cmd
	// NativeDir is where the native reference programs are (see
	// FindNative); empty searches.
	NativeDir string
	// PointTimeout bounds one measurement (default 60 s, 15 s with
	// Quick): a run that has not finished by then is an error and the run
	// goes on.
	PointTimeout time.Duration
	// BenchOut, when set, receives one Go benchmark line per point.
	BenchOut io.Writer
	// Progress, when set, is called after each measurement.
	Progress func(Progress)
}

// Progress reports one finished measurement.
type Progress struct {
	Done, Total int
	Record      *reports.Record
}

// Topologies.
const (
	TwoProcess  = "two-process"
	SameProcess = "same-process"
)

// point is one (workload, transport, size) cell.
type point struct {
	w         *Workload
	transport drivers.Transport
	size      int
}

// subject is one thing measured at a point: a driver in some mode.
type subject struct {
	driver string // the name reported in records
	mode   string
	loops  string // loopsByName name; empty for native
	sec    string // security mechanism, SecNull for references
}

// skip is a subject a cell cannot measure, with the reason; it is
// reported once per cell as a record with verdict N/A.
type skip struct {
	subject
	reason string
}

type runner struct {
	opts      Options
	eps       *drivers.Endpoints
	native    string
	nativeErr error
	// creds holds each mechanism's credentials, made on first use and
	// kept for the run.
	creds map[string]*secCreds
}

// Run measures every point of plan that the options select and hands each
// result to emit as it completes (reports.Record of type perf; a failed
// measurement is a record with Perf.Error, and the run goes on). Subjects
// are interleaved per repeat (native, harness, native, harness ...). It
// returns an error only for a problem of the run itself (nothing selected,
// cancelled).
func Run(ctx context.Context, plan *Plan, opts Options, emit func(*reports.Record)) error {
	if opts.PeerCommand == nil {
		opts.PeerCommand = DefaultPeerCommand
	}
	if opts.PointTimeout <= 0 {
		opts.PointTimeout = time.Minute
		if opts.Quick {
			// A rare hung run must not blow the quick profile's budget.
			opts.PointTimeout = 15 * time.Second
		}
	}
	if emit == nil {
		emit = func(*reports.Record) {}
	}
	profile := "full"
	if opts.Quick {
		profile = "quick"
	}
	work := plan.Profile(profile)
	r := &runner{opts: opts, creds: map[string]*secCreds{}}
	r.native, r.nativeErr = FindNative(opts.NativeDir)
	cells := r.cells(work)
	if len(cells) == 0 {
		return fmt.Errorf("perf: nothing selected (profile %s, %d workloads in plan)", profile, len(work.Workloads))
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		return err
	}
	defer eps.Close()
	r.eps = eps
	total := 0
	for _, c := range cells {
		total += len(c.subjects)*r.repeats(c.pt.w) + len(c.skips)
	}
	done := 0
	for _, c := range cells {
		for _, sk := range c.skips {
			rec := r.skipped(c.pt, sk)
			emit(rec)
			done++
			if opts.Progress != nil {
				opts.Progress(Progress{Done: done, Total: total, Record: rec})
			}
		}
		if len(c.subjects) == 0 {
			continue
		}
		count := r.count(ctx, c)
		for rep := 0; rep < r.repeats(c.pt.w); rep++ {
			for _, s := range c.subjects {
				if err := ctx.Err(); err != nil {
					return err
				}
				rec := r.measure(ctx, c.pt, s, rep, count)
				emit(rec)
				if opts.BenchOut != nil {
					if err := WriteBenchLine(opts.BenchOut, rec); err != nil {
						return err
					}
				}
				done++
				if opts.Progress != nil {
					opts.Progress(Progress{Done: done, Total: total, Record: rec})
				}
			}
		}
	}
	return nil
}

type cell struct {
	pt       point
	subjects []subject
	skips    []skip
}

func (r *runner) repeats(w *Workload) int {
	if r.opts.Repeats > 0 {
		return r.opts.Repeats
	}
	return w.Repeats
}

func (r *runner) cells(p *Plan) []cell {
	o := r.opts
	var out []cell
	for _, w := range p.Workloads {
		if len(o.Workloads) > 0 && !slices.Contains(o.Workloads, w.ID) && !slices.Contains(o.Workloads, string(w.Kind)) {
			continue
		}
		for _, t := range w.Transports {
			if len(o.Transports) > 0 && !slices.Contains(o.Transports, t) {
				continue
			}
			for _, size := range w.Sizes {
				if len(o.Sizes) > 0 && !slices.Contains(o.Sizes, size) {
					continue
				}
				pt := point{w: w, transport: t, size: size}
				if subs, skips := r.subjects(pt); len(subs)+len(skips) > 0 {
					out = append(out, cell{pt: pt, subjects: subs, skips: skips})
				}
			}
		}
	}
	return out
}

// subjects lists what is measured at a point, each reference right before
// the driver it is the reference for, and a driver's mechanisms one after
// the other, so that repeats alternate them. References (native, bare,
// raw) run NULL only. A driver that cannot run a mechanism there is a
// skip instead.
func (r *runner) subjects(pt point) ([]subject, []skip) {
	w := pt.w
	twoEnded := w.Kind != Fanout
	network := pt.transport != drivers.Inproc
	var subs []subject
	var skips []skip
	for _, d := range r.driversFor(w) {
		if why := transportSkip(d, pt.transport); why != "" {
			skips = append(skips, skip{subject{driver: d, mode: ModeHarness, loops: d, sec: SecNull}, why})
			continue
		}
		if d == "libzmq" && twoEnded && network && slices.Contains(w.References, ModeNative) {
			subs = append(subs, subject{driver: d, mode: ModeNative, sec: SecNull})
		}
		if d == "gozmq" && twoEnded && slices.Contains(w.References, ModeBare) {
			subs = append(subs, subject{driver: d, mode: ModeBare, loops: loopsBare, sec: SecNull})
		}
		mechs := w.Security
		if len(mechs) == 0 {
			mechs = []string{SecNull}
		}
		for _, mech := range mechs {
			s := subject{driver: d, mode: ModeHarness, loops: d, sec: mech}
			if why := secSkip(d, mech, pt.transport); why != "" {
				skips = append(skips, skip{s, why})
				continue
			}
			subs = append(subs, s)
		}
	}
	if twoEnded && network && slices.Contains(w.References, ModeRaw) {
		subs = append(subs, subject{driver: loopsRaw, mode: ModeRaw, loops: loopsRaw, sec: SecNull})
	}
	o := r.opts
	unwanted := func(s subject) bool {
		return (len(o.Drivers) > 0 && !slices.Contains(o.Drivers, s.driver)) ||
			(len(o.Modes) > 0 && !slices.Contains(o.Modes, s.mode))
	}
	subs = slices.DeleteFunc(subs, unwanted)
	skips = slices.DeleteFunc(skips, func(s skip) bool { return unwanted(s.subject) })
	return subs, skips
}

// driversFor is the workload's drivers plus any the command line names
// that the workload does not list (an agent such as pyzmq, or
// faulty:…/gozmq): naming a driver measures it. Fan-out runs every
// subscriber in one process, so it keeps its own list.
func (r *runner) driversFor(w *Workload) []string {
	ds := slices.Clone(w.Drivers)
	if w.Kind == Fanout {
		return ds
	}
	for _, d := range r.opts.Drivers {
		if d != loopsRaw && d != loopsBare && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	return ds
}

// transportSkip says why a driver cannot be measured over t (its
// implementation lacks the transport, e.g. JeroMQ and ipc), or "".
func transportSkip(name string, t drivers.Transport) string {
	d, err := drivers.Lookup(name)
	if err != nil || d.Capabilities().HasTransport(t) {
		return ""
	}
	return fmt.Sprintf("%s has no %s transport", name, t)
}

// count is the timed count of a cell: the workload's (capped by MaxBytes,
// scaled by CountScale) or, for a duration workload, what a pilot run of
// the cell's first non-native subject says lasts that long.
func (r *runner) count(ctx context.Context, c cell) int {
	w := c.pt.w
	n := w.CountFor(c.pt.size)
	if r.opts.CountScale > 0 {
		n = max(int(float64(n)*r.opts.CountScale), 1)
	}
	if w.Duration <= 0 {
		return n
	}
	for _, s := range c.subjects {
		if s.mode == ModeNative {
			continue
		}
		pilot := r.measure(ctx, c.pt, s, -1, min(n, 2000))
		if pilot.Perf.Error == "" && pilot.Perf.MsgsPerSec > 0 {
			return max(int(pilot.Perf.MsgsPerSec*w.Duration.Seconds()), minCount)
		}
		break
	}
	return n
}

// newRecord starts the record of one subject at one point.
func (r *runner) newRecord(pt point, s subject, rep int) *reports.Record {
	w := pt.w
	p := &reports.Perf{Workload: string(w.Kind), Size: pt.size, Repeat: rep, Mode: s.mode, Topology: TwoProcess,
		Security: secLabel(s.sec)}
	if w.Kind == Fanout {
		p.Subscribers = w.Subscribers
	}
	if pt.transport == drivers.Inproc || r.opts.SameProcess || w.Kind == Fanout {
		p.Topology = SameProcess
	}
	rec := &reports.Record{
		Type: reports.RecordPerf, Case: "perf." + w.ID, Pattern: w.Pattern,
		Subject: s.driver, Peer: s.driver, Transport: string(pt.transport),
		File: w.Pos, Start: time.Now(), Perf: p,
	}
	if w.Kind == Throughput {
		rec.Pattern = "pipeline"
	} else if w.Kind == Fanout {
		rec.Pattern = "pubsub"
	}
	return rec
}

// skipped is the record of a subject a point cannot measure: verdict N/A,
// the reason, and no figures.
func (r *runner) skipped(pt point, sk skip) *reports.Record {
	rec := r.newRecord(pt, sk.subject, 0)
	rec.Verdict, rec.Reason = reports.NotApplicable, sk.reason
	rec.Title = BenchName(rec)
	return rec
}

// measure runs one subject at one point and returns its record.
func (r *runner) measure(ctx context.Context, pt point, s subject, rep, count int) *reports.Record {
	rec := r.newRecord(pt, s, rep)
	w, p := pt.w, rec.Perf
	var err error
	switch {
	case s.mode == ModeNative && r.nativeErr != nil:
		err = r.nativeErr
	case s.mode == ModeNative:
		err = r.runNative(ctx, pt, count, p)
	case w.Kind == Fanout:
		err = r.runFanout(ctx, pt, s, count, p)
	default:
		err = r.runLoops(ctx, pt, s, count, p)
	}
	if err != nil {
		p.Error = err.Error()
	}
	rec.Title = BenchName(rec)
	rec.Duration = time.Since(rec.Start)
	return rec
}

// roles gives, for a two-ended workload, the local (measuring, binding)
// end and the remote end.
//
// As in libzmq's tools, the receiving end of a throughput run binds and
// the echoing end of a latency run binds. The latency client therefore
// connects, which also matters for go-zeromq, whose REQ refuses to send
// before it has a connection.
func roles(w *Workload) (localRole, peerRole string, localType, peerType drivers.SocketType, localBinds bool) {
	switch {
	case w.Kind == Throughput:
		return roleThrRecv, roleThrSend, drivers.PULL, drivers.PUSH, true
	case w.Pattern == PatternPair:
		return roleLatClient, roleLatServe, drivers.PAIR, drivers.PAIR, false
	default:
		return roleLatClient, roleLatServe, drivers.REQ, drivers.REP, false
	}
}

// runLoops measures a throughput or latency point through bulk loops: the
// local end here, the remote end in a peer process (or a goroutine).
func (r *runner) runLoops(ctx context.Context, pt point, s subject, count int, p *reports.Perf) error {
	localRole, peerRole, localType, peerType, localBinds := roles(pt.w)
	creds, err := r.credsFor(s.sec)
	if err != nil {
		return err
	}
	loops, err := loopsFor(s.loops, creds)
	if err != nil {
		return err
	}
	var peerLoops drivers.Bulk
	if pt.transport == drivers.Inproc {
		// inproc joins sockets of one context only; a driver's Socket path
		// can share one, the bulk loops (each with its own context) cannot.
		// go-zeromq's inproc registry is process-wide, so bare loops meet.
		switch sl := loops.(type) {
		case bareLoops:
		case *socketLoops:
			c, err := sl.drv.NewContext()
			if err != nil {
				return err
			}
			defer c.Close()
			loops = &socketLoops{drv: sl.drv, shared: c, sec: sl.sec}
		default:
			return fmt.Errorf("inproc: %s runs each loop in its own context, so its two ends cannot meet over inproc", s.loops)
		}
	}
	localDone := make(chan struct{})
	peerLoops = loops
	if p.Topology == SameProcess {
		peerLoops = withHold(loops, localDone)
	}
	ep, err := r.eps.New(pt.transport)
	if err != nil {
		return err
	}
	warm := max(pt.w.Warmup, 1)
	local := drivers.BulkSpec{Socket: localType, Endpoint: ep, Bind: localBinds, Size: pt.size, Count: count, Warmup: warm}
	remote := local
	remote.Socket, remote.Bind = peerType, !localBinds

	pctx, cancel := context.WithTimeout(ctx, r.opts.PointTimeout)
	defer cancel()
	var finishPeer func() error
	if p.Topology == TwoProcess {
		args := peerArgs{loops: s.loops, role: peerRole, spec: remote, timeout: r.opts.PointTimeout, security: s.sec}.args()
		cmd := r.opts.PeerCommand(args...)
		if creds != nil {
			if cmd.Env == nil {
				cmd.Env = os.Environ()
			}
			cmd.Env = append(cmd.Env, creds.env())
		}
		proc, err := startProc("peer", cmd)
		if err != nil {
			return err
		}
		// A peer that dies early ends the local loop now rather than at
		// its deadline.
		go func() {
			select {
			case <-proc.done:
				if proc.err != nil {
					cancel()
				}
			case <-pctx.Done():
			}
		}()
		finishPeer = func() error { return proc.finish(peerGrace) }
	} else {
		done := make(chan error, 1)
		go func() {
			_, err := runRole(pctx, peerLoops, peerRole, remote)
			if err != nil {
				cancel()
			}
			done <- err
		}()
		finishPeer = func() error {
			select {
			case err := <-done:
				return err
			case <-time.After(r.opts.PointTimeout + peerGrace):
				return errors.New("same-process peer did not return")
			}
		}
	}
	u0 := usageNow()
	res, err := runRole(pctx, loops, localRole, local)
	u1 := usageNow()
	close(localDone)
	perr := finishPeer()
	if err != nil || perr != nil {
		if err != nil && perr != nil {
			return fmt.Errorf("%v; remote end: %w", err, perr)
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("remote end: %w", perr)
	}
	if res.Count > 0 {
		p.CPUPerMsgNS = float64(u1.cpu-u0.cpu) / float64(res.Count)
		p.AllocsPerMsg = float64(u1.allocs-u0.allocs) / float64(res.Count)
	}
	if pt.w.Kind == Latency {
		return fillLatency(p, res.Samples, res.Elapsed)
	}
	fillThroughput(p, res.Count, res.Elapsed)
	return nil
}

// credsFor returns the run's credentials for mech, made on first use;
// nil for NULL.
func (r *runner) credsFor(mech string) (*secCreds, error) {
	if mech == SecNull || mech == "" {
		return nil, nil
	}
	if c, ok := r.creds[mech]; ok {
		return c, nil
	}
	c, err := newCreds(mech)
	if err != nil {
		return nil, err
	}
	r.creds[mech] = c
	return c, nil
}

// peerGrace is how long a peer may take to exit after the local end is
// done before it counts as hung and is killed.
const peerGrace = 5 * time.Second

// usage is a process's CPU time and heap allocation count.
type usage struct {
	cpu    time.Duration
	allocs uint64
}

// usageNow samples CPU (all threads of this process: user + system) and
// allocations. runtime/metrics is used rather than ReadMemStats because it
// does not stop the world.
func usageNow() usage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	m := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}}
	metrics.Read(m)
	return usage{
		cpu:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		allocs: m[0].Value.Uint64(),
	}
}
