package perf

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/zharness/zharness/drivers"
)

// Kind is a workload kind.
type Kind string

// The workload kinds.
const (
	Throughput Kind = "throughput" // PUSH → PULL, timed at the receiver
	Latency    Kind = "latency"    // REQ/REP or PAIR ping-pong
	Fanout     Kind = "fanout"     // PUB → N SUB, timed at each subscriber
)

// Pattern names the sockets of a latency workload.
const (
	PatternReqRep = "reqrep"
	PatternPair   = "pair"
)

// The reference modes a workload may ask for beside the drivers.
const (
	ModeHarness = "harness"
	ModeNative  = "native"
	ModeBare    = "bare"
	ModeRaw     = "raw"
)

// DefaultSizes is 8 B … 1 MiB in ×4 steps.
var DefaultSizes = []int{8, 32, 128, 512, 2048, 8192, 32768, 131072, 524288, 1048576}

// Workload is one declared workload. Loaded workloads are immutable: the
// runner derives points from them and never writes back.
type Workload struct {
	ID      string
	Kind    Kind
	Pattern string // latency: reqrep or pair
	// Subscribers is the number of SUB sockets of a fanout workload.
	Subscribers int
	Sizes       []int
	// Count is the number of timed messages (round trips for latency).
	Count int
	// MaxBytes caps Count×size so large messages stay quick; 0 = no cap.
	MaxBytes int64
	// Duration, when set, replaces Count: a pilot run measures the rate
	// and the count is chosen to last about this long.
	Duration   time.Duration
	Warmup     int
	Repeats    int
	Transports []drivers.Transport
	Drivers    []string
	// References lists the reference modes to measure beside the drivers
	// (native, bare, raw).
	References []string
	// Security lists the mechanisms each driver is measured under, as
	// separate points of one cell (SecNull, SecPLAIN, SecCURVE); default
	// NULL only.
	Security []string
	Profile  string // "full" (default) or "quick"
	Pos      string // file:line:col of the workload
}

// CountFor returns the timed count for a message size.
func (w *Workload) CountFor(size int) int {
	n := w.Count
	if w.MaxBytes > 0 && size > 0 && int64(n)*int64(size) > w.MaxBytes {
		n = int(w.MaxBytes / int64(size))
	}
	return max(n, minCount)
}

// minCount keeps a point's count meaningful after MaxBytes capping.
const minCount = 20

// Plan is a set of workloads.
type Plan struct {
	Workloads []*Workload
}

// Profile returns the plan's workloads of the named profile.
func (p *Plan) Profile(name string) *Plan {
	out := &Plan{}
	for _, w := range p.Workloads {
		if w.Profile == name {
			out.Workloads = append(out.Workloads, w)
		}
	}
	return out
}

// fileDoc is the YAML shape of one workload file.
type fileDoc struct {
	Profile   string        `yaml:"profile"`
	Defaults  workloadDoc   `yaml:"defaults"`
	Workloads []workloadDoc `yaml:"workloads"`
}

// workloadDoc is the YAML shape of a workload; pointers tell "absent" from
// zero so defaults can fill them. scenarios/perf/README.md documents the
// keys.
type workloadDoc struct {
	ID          string   `yaml:"id"`
	Kind        string   `yaml:"kind"`
	Pattern     string   `yaml:"pattern"`
	Subscribers *int     `yaml:"subscribers"`
	Sizes       []string `yaml:"sizes"`
	Count       *int     `yaml:"count"`
	MaxBytes    string   `yaml:"max_bytes"`
	Duration    string   `yaml:"duration"`
	Warmup      *int     `yaml:"warmup"`
	Repeats     *int     `yaml:"repeats"`
	Transports  []string `yaml:"transports"`
	Drivers     []string `yaml:"drivers"`
	References  []string `yaml:"references"`
	// Security is one mechanism name or a list of them; YAML reads a bare
	// null as no value, so it is decoded loosely and checked by hand.
	Security any `yaml:"security"`
}

// ErrPlan marks every error about a workload file's content.
var ErrPlan = errors.New("invalid perf workload")

// LoadFS loads every *.yaml file of fsys's root (sorted), e.g. an embed.FS
// of scenarios/perf.
func LoadFS(fsys fs.FS) (*Plan, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	plan := &Plan{}
	var errs []error
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := Parse(n, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		plan.Workloads = append(plan.Workloads, p.Workloads...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return plan, plan.checkIDs()
}

// LoadFiles loads the named workload files (a directory loads its *.yaml).
func LoadFiles(paths ...string) (*Plan, error) {
	plan := &Plan{}
	var errs []error
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			sub, err := LoadFS(os.DirFS(p))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p, err))
				continue
			}
			plan.Workloads = append(plan.Workloads, sub.Workloads...)
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sub, err := Parse(p, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		plan.Workloads = append(plan.Workloads, sub.Workloads...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return plan, plan.checkIDs()
}

func (p *Plan) checkIDs() error {
	seen := map[string]string{}
	var errs []error
	for _, w := range p.Workloads {
		if prev, dup := seen[w.ID]; dup {
			errs = append(errs, fmt.Errorf("%s: %w: workload id %q already used at %s", w.Pos, ErrPlan, w.ID, prev))
		}
		seen[w.ID] = w.Pos
	}
	return errors.Join(errs...)
}

// Parse decodes one workload file strictly: unknown keys, wrong types and
// bad values are errors that start with name:line:col and say what was
// expected. Every problem is reported, not only the first.
func Parse(name string, src []byte) (*Plan, error) {
	var doc fileDoc
	dec := yaml.NewDecoder(bytes.NewReader(src), yaml.Strict(), yaml.DisallowUnknownField())
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlErr(name, err)
	}
	file, err := parser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlErr(name, err)
	}
	v := &validator{name: name, file: file}
	profile := doc.Profile
	switch profile {
	case "":
		profile = "full"
	case "full", "quick":
	default:
		v.errorf("$.profile", "profile %q: want full or quick", profile)
	}
	if len(doc.Workloads) == 0 {
		v.errorf("$", "no workloads: want a non-empty workloads list")
	}
	plan := &Plan{}
	if doc.Defaults.Security == nil && v.present("$.defaults.security") {
		doc.Defaults.Security = SecNull
	}
	for i, wd := range doc.Workloads {
		at := fmt.Sprintf("$.workloads[%d]", i)
		if wd.Security == nil && v.present(at+".security") {
			wd.Security = SecNull // "security: null" is YAML's null value
		}
		w := v.workload(at, merge(doc.Defaults, wd))
		w.Profile = profile
		plan.Workloads = append(plan.Workloads, w)
	}
	if err := errors.Join(v.errs...); err != nil {
		return nil, err
	}
	return plan, nil
}

// merge fills wd's absent fields from the file's defaults.
func merge(def, wd workloadDoc) workloadDoc {
	pick := func(a, b string) string {
		if a != "" {
			return a
		}
		return b
	}
	wd.Kind = pick(wd.Kind, def.Kind)
	wd.Pattern = pick(wd.Pattern, def.Pattern)
	wd.MaxBytes = pick(wd.MaxBytes, def.MaxBytes)
	wd.Duration = pick(wd.Duration, def.Duration)
	if wd.Security == nil {
		wd.Security = def.Security
	}
	for _, f := range []struct {
		dst **int
		src *int
	}{
		{&wd.Subscribers, def.Subscribers}, {&wd.Count, def.Count},
		{&wd.Warmup, def.Warmup}, {&wd.Repeats, def.Repeats},
	} {
		if *f.dst == nil {
			*f.dst = f.src
		}
	}
	for _, f := range []struct {
		dst *[]string
		src []string
	}{
		{&wd.Sizes, def.Sizes}, {&wd.Transports, def.Transports},
		{&wd.Drivers, def.Drivers}, {&wd.References, def.References},
	} {
		if *f.dst == nil {
			*f.dst = f.src
		}
	}
	return wd
}

// yamlErr turns a go-yaml error into "name:line:col: message".
func yamlErr(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		tk := ye.GetToken()
		msg := ye.GetMessage()
		var te *yaml.TypeError
		if errors.As(err, &te) && te.DstType != nil {
			// go-yaml names our internal struct; say which key instead.
			msg = fmt.Sprintf("%s%q: want %s", keyBefore(tk), tk.Value, te.DstType)
		}
		return fmt.Errorf("%s:%d:%d: %w: %s", name, tk.Position.Line, tk.Position.Column, ErrPlan, msg)
	}
	return fmt.Errorf("%s: %w: %v", name, ErrPlan, err)
}

// keyBefore returns "key: " for a value token written as "key: value".
func keyBefore(tk *token.Token) string {
	if tk.Prev != nil && tk.Prev.Type == token.MappingValueType && tk.Prev.Prev != nil {
		return tk.Prev.Prev.Value + ": "
	}
	return ""
}

// validator collects every problem of one file with its position.
type validator struct {
	name string
	file *ast.File
	errs []error
}

// pos returns name:line:col of the node at a YAML path, falling back to
// the closest enclosing node that exists (defaults fill absent fields).
func (v *validator) pos(at string) string {
	for p := at; p != ""; p = parentPath(p) {
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		n, err := yp.FilterFile(v.file)
		if err != nil || n == nil {
			continue
		}
		// A mapping's own token is its first ':'; point at its first key.
		if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
			n = m.Values[0].Key
		}
		if n.GetToken() == nil {
			continue
		}
		t := n.GetToken().Position
		return fmt.Sprintf("%s:%d:%d", v.name, t.Line, t.Column)
	}
	return v.name
}

func parentPath(p string) string {
	if p == "$" {
		return ""
	}
	i := max(strings.LastIndexByte(p, '.'), strings.LastIndexByte(p, '['))
	if i <= 0 {
		return "$"
	}
	return p[:i]
}

func (v *validator) errorf(at, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %w: %s", v.pos(at), ErrPlan, fmt.Sprintf(format, args...)))
}

func (v *validator) workload(at string, d workloadDoc) *Workload {
	w := &Workload{ID: d.ID, Kind: Kind(d.Kind), Pattern: d.Pattern, Pos: v.pos(at)}
	if d.ID == "" {
		v.errorf(at, "missing id: want a stable workload id such as throughput-tcp")
	}
	switch w.Kind {
	case Throughput, Fanout:
		if d.Pattern != "" {
			v.errorf(at+".pattern", "pattern applies to latency workloads only")
		}
	case Latency:
		switch w.Pattern {
		case "":
			w.Pattern = PatternReqRep
		case PatternReqRep, PatternPair:
		default:
			v.errorf(at+".pattern", "pattern %q: want reqrep or pair", d.Pattern)
		}
	default:
		v.errorf(at+".kind", "kind %q: want throughput, latency or fanout", d.Kind)
	}
	w.Subscribers = 1
	if d.Subscribers != nil {
		w.Subscribers = *d.Subscribers
		if w.Kind != Fanout {
			v.errorf(at+".subscribers", "subscribers applies to fanout workloads only")
		} else if w.Subscribers < 1 || w.Subscribers > 64 {
			v.errorf(at+".subscribers", "subscribers %d: want 1 to 64", w.Subscribers)
		}
	}
	w.Sizes = DefaultSizes
	if d.Sizes != nil {
		w.Sizes = nil
		for i, s := range d.Sizes {
			n, err := ParseSize(s)
			if err != nil {
				v.errorf(fmt.Sprintf("%s.sizes[%d]", at, i), "%v", err)
				continue
			}
			w.Sizes = append(w.Sizes, n)
		}
	}
	w.Count = 100000
	if w.Kind == Latency {
		w.Count = 10000
	}
	if d.Count != nil {
		w.Count = *d.Count
		if w.Count < 1 {
			v.errorf(at+".count", "count %d: want a positive number of messages", w.Count)
		}
	}
	if d.MaxBytes != "" {
		n, err := ParseSize(d.MaxBytes)
		if err != nil {
			v.errorf(at+".max_bytes", "%v", err)
		}
		w.MaxBytes = int64(n)
	}
	if d.Duration != "" {
		dur, err := time.ParseDuration(d.Duration)
		if err != nil || dur <= 0 {
			v.errorf(at+".duration", "duration %q: want a positive Go duration such as 2s", d.Duration)
		}
		w.Duration = dur
	}
	w.Warmup = 1
	if d.Warmup != nil {
		w.Warmup = *d.Warmup
		if w.Warmup < 0 {
			v.errorf(at+".warmup", "warmup %d: want 0 or more", w.Warmup)
		}
	}
	w.Repeats = 5
	if d.Repeats != nil {
		w.Repeats = *d.Repeats
		if w.Repeats < 1 {
			v.errorf(at+".repeats", "repeats %d: want 1 or more", w.Repeats)
		}
	}
	w.Transports = []drivers.Transport{drivers.TCP, drivers.IPC}
	if d.Transports != nil {
		w.Transports = nil
		for i, s := range d.Transports {
			t, err := drivers.ParseTransport(s)
			if err != nil {
				v.errorf(fmt.Sprintf("%s.transports[%d]", at, i), "%v", err)
				continue
			}
			w.Transports = append(w.Transports, t)
		}
	}
	w.Drivers = []string{"libzmq", "gozmq"}
	if d.Drivers != nil {
		w.Drivers = d.Drivers
		for i, s := range d.Drivers {
			// Parameterised names (faulty:delay=20us/gozmq, remote:libzmq)
			// are registry names too; the runner looks every name up.
			if s == "" || strings.ContainsAny(s, " \t") {
				v.errorf(fmt.Sprintf("%s.drivers[%d]", at, i), "driver %q: want a registry name such as libzmq", s)
			}
		}
	}
	w.References = []string{ModeNative, ModeBare, ModeRaw}
	if d.References != nil {
		w.References = d.References
		for i, s := range d.References {
			if !slices.Contains([]string{ModeNative, ModeBare, ModeRaw}, s) {
				v.errorf(fmt.Sprintf("%s.references[%d]", at, i), "reference %q: want native, bare or raw", s)
			}
		}
	}
	secAt := at + ".security"
	if !v.present(secAt) && v.present("$.defaults.security") {
		secAt = "$.defaults.security" // inherited: point at where it is written
	}
	w.Security = v.security(secAt, d.Security, w.Kind)
	return w
}

// ParseSize reads a byte size: a plain number or one with a B, KiB, MiB or
// GiB suffix (also k/K, M, G as binary multiples).
func ParseSize(s string) (int, error) {
	t := strings.TrimSpace(s)
	mult := 1
	for _, u := range []struct {
		suf string
		m   int
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"k", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 || n > (1<<31)/mult {
		return 0, fmt.Errorf("size %q: want a byte count such as 64, 1KiB or 1MiB", s)
	}
	return n * mult, nil
}

// SizeLabel formats a size the way bench names carry it (plain bytes, so
// benchstat sorts and compares them as numbers).
func SizeLabel(n int) string { return strconv.Itoa(n) }
