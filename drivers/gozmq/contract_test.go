package gozmq

import (
	"regexp"
	"strings"
	"testing"

	"github.com/zharness/zharness/drivers/drivertest"
)

// knownDeviations are drivertest cases go-zeromq v0.17.0 fails by itself,
// with the evidence. The driver passes the library's behaviour through
// (decisions.md, ruling 8), so these are findings, not driver bugs.
var knownDeviations = []struct {
	cases  *regexp.Regexp
	reason string
	// flaky deviations depend on timing, so passing does not retire them.
	flaky bool
}{
	{regexp.MustCompile(`^reqrep/(tcp|ipc)/(REP|REQ)-binds/multipart$`),
		"REP splits the envelope at the last empty frame, not the first (splitReq keeps looping, rep.go), so a request with an empty frame loses its leading frames and the reply carries them back; REQ strips only one frame (reqReader.read, req.go)", false},
	{regexp.MustCompile(`^[a-z]+/inproc/.*multipart$`),
		"frames over 255 bytes on inproc make go-zeromq panic (TestInprocLongFrameCrashes)", false},
	{regexp.MustCompile(`^reqrep/(tcp|ipc|inproc)/REQ-binds/`),
		"a bound REQ whose accept loop has not yet added the peer fails Send at once with \"no connections available\" instead of waiting (reqWriter.write, req.go has no wait for a peer): a race on the peer's handshake", true},
}

// knownDeviation returns the reasons of every deviation matching the case
// name, and whether all of those are flaky.
func knownDeviation(name string) (reason string, known, flaky bool) {
	var reasons []string
	flaky = true
	for _, d := range knownDeviations {
		if d.cases.MatchString(name) {
			reasons = append(reasons, d.reason)
			flaky = flaky && d.flaky
		}
	}
	return strings.Join(reasons, "; "), len(reasons) > 0, len(reasons) > 0 && flaky
}

// TestContract runs drivertest.Run on the driver in a child process: its
// 1 MiB inproc frames make go-zeromq panic in a library goroutine, which
// would kill this test binary. The child is expected to fail only in known
// deviations and to stop at the known panic; anything else fails here.
func TestContract(t *testing.T) {
	if inChild(t.Name()) {
		drivertest.Run(t, New())
		return
	}
	out, err := runChild(t, t.Name())
	// The child's "--- FAIL" lines for subtests are printed only when the
	// top-level test ends, which the panic prevents, so failing cases are
	// read from drivertest's failure lines ("case subject: op: got, want").
	seen := map[string]bool{}
	var failed []string
	for _, m := range regexp.MustCompile(`testing\.go:\d+: ([a-z]+/\S+) `).FindAllStringSubmatch(out, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			failed = append(failed, m[1])
		}
	}
	for _, name := range failed {
		if reason, ok, _ := knownDeviation(name); ok {
			t.Logf("known go-zeromq deviation: %s: %s", name, reason)
		} else {
			t.Errorf("contract case failed: %s", name)
		}
	}
	panicked := strings.Contains(out, "panic: runtime error: makeslice: len out of range")
	if err != nil && len(failed) == 0 && !panicked {
		t.Fatalf("child failed without a failing case or the known panic: %v\n%s", err, out)
	}
	if panicked {
		t.Logf("child stopped at the known inproc long-frame panic; TestContractInProcess covers the cases after it")
	}
	if t.Failed() {
		t.Logf("child output:\n%s", out)
	}
}

// TestContractInProcess evaluates every drivertest case except the inproc
// ones that crash the library, in this process, so cases after the crash
// point are checked too. A known deviation that starts passing fails the
// test, so the list above stays true.
func TestContractInProcess(t *testing.T) {
	crashes := regexp.MustCompile(`/inproc/.*multipart$`)
	res := drivertest.Evaluate(New(), nil, drivertest.Options{
		Filter: func(name string) bool { return !crashes.MatchString(name) },
	})
	for _, c := range res.Cases {
		reason, known, flaky := knownDeviation(c.Name)
		switch {
		case c.Skipped != "":
			t.Logf("%s: skipped: %s", c.Name, c.Skipped)
		case len(c.Failures) > 0 && known:
			t.Logf("%s: known go-zeromq deviation (%s): %v", c.Name, reason, c.Failures[0])
		case len(c.Failures) > 0:
			for _, f := range c.Failures {
				t.Errorf("%v", f)
			}
		case known && !flaky:
			t.Errorf("%s: passes now; drop it from knownDeviations", c.Name)
		}
	}
	t.Logf("drivertest: %d cases, worst timeout overshoot %v", len(res.Cases), res.WorstOvershoot())
}
