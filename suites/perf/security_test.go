package perf

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/reports"
)

func TestParseSecurity(t *testing.T) {
	t.Parallel()
	src := `defaults:
  security: [null, curve]
workloads:
  - id: inherit
    kind: throughput
  - id: scalar
    kind: latency
    security: plain
  - id: bare-null
    kind: latency
    security: null
  - id: all
    kind: throughput
    security: [curve, "null", plain]
  - id: fan
    kind: fanout
    security: [null]
`
	p, err := Parse("sec.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"inherit":   {SecNull, SecCURVE},
		"scalar":    {SecPLAIN},
		"bare-null": {SecNull}, // YAML's null value, not "absent": the default must not apply
		"all":       {SecCURVE, SecNull, SecPLAIN},
		"fan":       {SecNull},
	}
	for _, w := range p.Workloads {
		if !slices.Equal(w.Security, want[w.ID]) {
			t.Errorf("%s: security %v, want %v", w.ID, w.Security, want[w.ID])
		}
	}
	p, err = Parse("none.yaml", []byte("workloads:\n  - id: a\n    kind: throughput\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Workloads[0].Security; !slices.Equal(got, []string{SecNull}) {
		t.Errorf("no security key: got %v, want [null]", got)
	}
}

func TestParseSecurityErrors(t *testing.T) {
	t.Parallel()
	head := "workloads:\n  - id: a\n    kind: throughput\n"
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown scalar", head + "    security: rsa\n", []string{"bad.yaml:4:15:", "security rsa: want null, plain or curve"}},
		{"unknown in list", head + "    security: [null, CURVE]\n", []string{"bad.yaml:4:22:", "security CURVE"}},
		{"number", head + "    security: [5]\n", []string{"bad.yaml:4:16:", "security 5"}},
		{"twice", head + "    security: [curve, curve]\n", []string{"bad.yaml:4:23:", "security curve listed twice"}},
		{"empty", head + "    security: []\n", []string{"bad.yaml:4:15:", "empty security list"}},
		{"mapping", head + "    security: {curve: 1}\n", []string{"bad.yaml:4:", "security map"}},
		{"fanout", "workloads:\n  - id: a\n    kind: fanout\n    security: curve\n", []string{"bad.yaml:4:15:", "throughput and latency workloads only"}},
		{"in defaults", "defaults:\n  security: tls\nworkloads:\n  - id: a\n    kind: latency\n", []string{"bad.yaml:2:13:", "security tls"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.src))
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, ErrPlan) {
				t.Errorf("error %q does not wrap ErrPlan", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestBenchNameSecurity: NULL keeps the name it had before security
// existed; another mechanism adds a sec key.
func TestBenchNameSecurity(t *testing.T) {
	t.Parallel()
	rec := func(sec string) *reports.Record {
		return &reports.Record{Subject: "libzmq-binding", Transport: "tcp",
			Perf: &reports.Perf{Workload: "throughput", Mode: ModeHarness, Size: 64, Security: sec}}
	}
	if got, want := BenchName(rec("")), "BenchmarkThroughput/driver=libzmq-binding/mode=harness/transport=tcp/size=64"; got != want {
		t.Errorf("NULL: %s, want %s", got, want)
	}
	if got, want := BenchName(rec("curve")), "BenchmarkThroughput/driver=libzmq-binding/mode=harness/transport=tcp/sec=curve/size=64"; got != want {
		t.Errorf("CURVE: %s, want %s", got, want)
	}
}

// needCurve skips unless libzmq has CURVE: the libzmq drivers declare
// the feature exactly when zmq_has("curve") is true (drivers/libzmq),
// and this way the test builds without cgo too.
func needCurve(t *testing.T) {
	d, err := drivers.Lookup("libzmq-binding")
	if err != nil {
		t.Skipf("no libzmq driver: %v", err)
	}
	if !d.Capabilities().HasFeature(drivers.FeatureCURVE) {
		t.Skip("the loaded libzmq was built without CURVE (zmq_has(\"curve\") is false)")
	}
}

// TestRunCurveVsNull runs a small CURVE vs NULL (and PLAIN) sweep over tcp
// in two processes: libzmq through Send/Recv under every mechanism, the
// mechanisms of a point alternating; libzmq's C loops and gozmq's missing
// CURVE are skips with a reason, not errors.
func TestRunCurveVsNull(t *testing.T) {
	needCurve(t)
	plan := tinyPlan(t, `
workloads:
  - id: thr
    kind: throughput
    sizes: [64]
    count: 2000
    warmup: 10
    repeats: 2
    transports: [tcp]
    drivers: [libzmq-binding, gozmq, libzmq]
    references: []
    security: [null, curve, plain]
  - id: lat
    kind: latency
    sizes: [1KiB]
    count: 200
    warmup: 10
    repeats: 1
    transports: [tcp]
    drivers: [libzmq-binding]
    references: []
    security: [null, curve]
`)
	recs, bench := collect(t, plan, Options{PeerCommand: testPeer("1"), PointTimeout: 20 * time.Second})
	var measured, skipped []*reports.Record
	for _, r := range recs {
		if r.Verdict == reports.NotApplicable {
			skipped = append(skipped, r)
			continue
		}
		measured = append(measured, r)
		if r.Perf.Error != "" {
			t.Errorf("%s: %s", r.Title, r.Perf.Error)
		}
		if r.Perf.Count == 0 || (r.Perf.MsgsPerSec <= 0 && r.Perf.LatP50 <= 0) {
			t.Errorf("%s: no figures: %+v", r.Title, r.Perf)
		}
		if hasSec := strings.Contains(r.Title, "/sec="); hasSec != (r.Perf.Security != "") {
			t.Errorf("%s: security %q but name %s", r.Title, r.Perf.Security, r.Title)
		}
	}
	// thr: 2 repeats × (binding null, curve, plain; gozmq null, plain;
	// libzmq null); lat: 1 × (binding null, curve).
	if want := 2*6 + 2; len(measured) != want {
		t.Errorf("got %d measured records, want %d", len(measured), want)
	}
	// Skips, once per cell: gozmq curve (no feature), libzmq curve and
	// plain (C loops).
	var why []string
	for _, r := range skipped {
		why = append(why, r.Subject+" "+r.Perf.Security+": "+r.Reason)
		if r.Perf.Error != "" || r.Perf.Count != 0 {
			t.Errorf("skip %s has error %q count %d", r.Title, r.Perf.Error, r.Perf.Count)
		}
	}
	if len(skipped) != 3 {
		t.Errorf("got %d skips, want 3: %q", len(skipped), why)
	}
	joined := strings.Join(why, "\n")
	for _, w := range []string{`gozmq curve: gozmq does not offer CURVE (no "curve" feature)`, "libzmq curve: libzmq measures through its own bulk loops, which run NULL only", "libzmq plain:"} {
		if !strings.Contains(joined, w) {
			t.Errorf("skips %q lack %q", joined, w)
		}
	}
	// Interleaving: in the thr cell, repeat 0 of every subject comes before
	// repeat 1 of any, and the binding's mechanisms are adjacent.
	var order []string
	for _, r := range measured {
		if r.Case == "perf.thr" && r.Subject == "libzmq-binding" {
			order = append(order, cmpOr(r.Perf.Security, "null"))
		}
	}
	if want := []string{"null", "curve", "plain", "null", "curve", "plain"}; !slices.Equal(order, want) {
		t.Errorf("libzmq-binding mechanisms in order %v, want %v", order, want)
	}
	checkBench(t, bench)
	if !strings.Contains(bench, "transport=tcp/sec=curve/size=64") {
		t.Errorf("bench output lacks a sec=curve line:\n%s", bench)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestSecurityIsApplied: the options really reach the sockets. A NULL
// sender gets nothing through to a CURVE receiver, a PLAIN client with a
// wrong password is refused by libzmq's ZAP handler, and the right
// credentials pass.
func TestSecurityIsApplied(t *testing.T) {
	needCurve(t)
	d, err := drivers.Lookup("libzmq-binding")
	if err != nil {
		t.Fatal(err)
	}
	curve, err := newCreds(SecCURVE)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := newCreds(SecPLAIN)
	if err != nil {
		t.Fatal(err)
	}
	wrong := *plain
	wrong.Password += "x"
	cases := []struct {
		name         string
		server, peer *secCreds
		ok           bool
	}{
		{"curve both", curve, curve, true},
		{"curve server, null client", curve, nil, false},
		{"plain right password", plain, plain, true},
		{"plain wrong password", plain, &wrong, false},
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, err := eps.New(drivers.TCP)
			if err != nil {
				t.Fatal(err)
			}
			spec := drivers.BulkSpec{Socket: drivers.PULL, Endpoint: ep, Bind: true, Size: 16, Count: 5, Warmup: 1}
			send := spec
			send.Socket, send.Bind = drivers.PUSH, false
			wait := 3 * time.Second
			if !c.ok {
				wait = 700 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := (&socketLoops{drv: d, sec: c.peer}).ThroughputSend(ctx, send)
				done <- err
			}()
			res, err := (&socketLoops{drv: d, sec: c.server}).ThroughputRecv(ctx, spec)
			cancel()
			<-done
			if c.ok && (err != nil || res.Count != 5) {
				t.Errorf("got %d messages, %v; want all 5", res.Count, err)
			}
			if !c.ok && err == nil {
				t.Errorf("received %d messages; want the handshake refused and nothing received", res.Count)
			}
		})
	}
}

// TestZAPReply checks the handler's RFC 27 replies without a socket.
func TestZAPReply(t *testing.T) {
	t.Parallel()
	z := &zapHandler{user: "u", pass: "p"}
	req := func(mech string, creds ...string) drivers.Msg {
		return drivers.MsgFromStrings(append([]string{"1.0", "id7", zapDomain, "127.0.0.1", "", mech}, creds...)...)
	}
	for _, c := range []struct {
		name   string
		req    drivers.Msg
		status string
	}{
		{"right", req("PLAIN", "u", "p"), "200"},
		{"wrong password", req("PLAIN", "u", "q"), "400"},
		{"other mechanism", req("CURVE", "u"), "400"},
		{"malformed", drivers.MsgFromStrings("2.0", "id"), "500"},
	} {
		rep := z.reply(c.req)
		if len(rep) != 6 || string(rep[0]) != "1.0" || string(rep[2]) != c.status {
			t.Errorf("%s: reply %q, want 6 frames with status %s", c.name, rep, c.status)
		}
		if c.status != "500" && string(rep[1]) != "id7" {
			t.Errorf("%s: request id %q, want id7 echoed", c.name, rep[1])
		}
	}
}

func TestCredsRoundTripThroughEnv(t *testing.T) {
	t.Parallel()
	c, err := newCreds(SecCURVE)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := newCreds(SecCURVE)
	if err != nil {
		t.Fatal(err)
	}
	if c.ServerSecret == c2.ServerSecret || c.ServerPublic == c.ClientPublic {
		t.Errorf("keys are not fresh: %+v %+v", c, c2)
	}
	name, value, _ := strings.Cut(c.env(), "=")
	if name != peerSecurityEnv {
		t.Fatalf("env name %q", name)
	}
	back, err := credsFromEnv(SecCURVE, value)
	if err != nil || *back != *c {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, c)
	}
	if _, err := credsFromEnv(SecPLAIN, value); err == nil {
		t.Error("CURVE credentials accepted for PLAIN")
	}
	if _, err := credsFromEnv(SecCURVE, ""); err == nil {
		t.Error("missing credentials accepted")
	}
}

// TestShippedSecurityWorkloads: the quick profile (make run) measures
// libzmq CURVE against NULL over tcp at 64 B, 1 KiB and 64 KiB, for
// throughput and latency, and the full profile has security.yaml's sweep.
func TestShippedSecurityWorkloads(t *testing.T) {
	t.Parallel()
	p, err := LoadFiles("../../scenarios/perf")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]map[Kind]bool{"quick": {}, "full": {}}
	for _, w := range p.Workloads {
		if !slices.Contains(w.Security, SecCURVE) {
			continue
		}
		if !slices.Contains(w.Security, SecNull) || !slices.Contains(w.Drivers, "libzmq-binding") ||
			!slices.Contains(w.Transports, drivers.TCP) || !slices.Equal(w.Sizes, []int{64, 1024, 65536}) {
			t.Errorf("%s (%s): security %v drivers %v transports %v sizes %v; want CURVE and NULL for libzmq-binding over tcp at 64 B, 1 KiB, 64 KiB",
				w.ID, w.Profile, w.Security, w.Drivers, w.Transports, w.Sizes)
		}
		kinds[w.Profile][w.Kind] = true
	}
	for profile, k := range kinds {
		if !k[Throughput] || !k[Latency] {
			t.Errorf("profile %s: CURVE workloads of kinds %v, want throughput and latency", profile, k)
		}
	}
}
