package main

// Tests through the real binary: TestMain builds zharness once (with cgo,
// so both drivers are in it) and every test runs it with arguments,
// checking exit status and output as a user or a CI job would see them.

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/reports"
)

// zhBin is the binary built by TestMain.
var zhBin string

// testVersion is linked into the binary so `version` can be checked.
const testVersion = "v0.0.0-clitest"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zharness-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	zhBin = filepath.Join(dir, "zharness")
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", zhBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building zharness: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(3)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary left.
type result struct {
	args           []string
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("zharness %s\nexit %d after %s\nstdout:\n%s\nstderr:\n%s",
		strings.Join(r.args, " "), r.code, r.elapsed.Round(time.Millisecond), tailOf(r.stdout, 3000), tailOf(r.stderr, 3000))
}

func tailOf(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// zh runs the binary in dir (a fresh temp dir when empty) with a TMPDIR of
// its own, bounded by timeout; a run that exceeds it fails the test.
func zh(t *testing.T, dir string, timeout time.Duration, args ...string) result {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, zhBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	switch e := err.(type) {
	case nil:
	case *exec.ExitError:
		r.code = e.ExitCode()
	default:
		t.Fatalf("zharness %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("zharness %s did not finish within %s\n%s", strings.Join(args, " "), timeout, r)
	}
	return r
}

// wantCode fails the test unless r exited with code.
func wantCode(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got:\n%s", code, r)
	}
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// tinyWorkloads is a workload file small enough for tests: one driver,
// tcp, 64 B, 6 repeats (what compare needs to test a point). PROFILE is
// replaced by quick or full.
const tinyWorkloads = `profile: PROFILE
defaults:
  repeats: 6
  warmup: 10
  transports: [tcp]
  drivers: [libzmq]
  references: []
  sizes: [64]
workloads:
  - id: tiny-PROFILE-throughput
    kind: throughput
    count: 2000
  - id: tiny-PROFILE-latency
    kind: latency
    pattern: reqrep
    count: 200
`

// badScenario has an unknown socket type on line 9 and an unknown step on
// line 12.
const badScenario = `- id: bad.case
  title: broken on purpose
  clause: RFC 28 §REQ-1
  grade: MUST
  requirement: nothing
  pattern: reqrep
  subject: req
  roles:
    rep: {type: REPX, bind: ep}
    req: {type: REQ, connect: ep}
  steps:
    - sned: {socket: req, frames: ["a"]}
`

// badWorkloads has an unknown workload kind on line 4.
const badWorkloads = `profile: quick
workloads:
  - id: broken
    kind: warp-speed
    count: 10
`

// tinyWorkloadsDir writes the tiny workloads for both profiles (quick for
// --quick and run, full otherwise) into dir/tiny and returns that path.
func tinyWorkloadsDir(t *testing.T, dir string) string {
	t.Helper()
	d := filepath.Join(dir, "tiny")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"quick", "full"} {
		writeFile(t, d, p+".yaml", strings.ReplaceAll(tinyWorkloads, "PROFILE", p))
	}
	return d
}

func TestVersion(t *testing.T) {
	r := zh(t, "", 10*time.Second, "version")
	wantCode(t, r, 0)
	if !regexp.MustCompile(`^zharness ` + regexp.QuoteMeta(testVersion) + `( \(\w+\))? go1\.\d+\S* \w+/\w+\n$`).MatchString(r.stdout) {
		t.Errorf("version output %q", r.stdout)
	}
}

func TestDrivers(t *testing.T) {
	// The first run may build the opt-in agents (javac, npm ci) into their cache.
	r := zh(t, "", 180*time.Second, "drivers")
	wantCode(t, r, 0)
	// Real implementation versions, not placeholders.
	for _, re := range []string{`(?m)^gozmq\s+available\s+v\d+\.\d+\.\d+`, `(?m)^libzmq\s+available\s+libzmq \d+\.\d+\.\d+`} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("drivers output does not match %s:\n%s", re, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "faulty") {
		t.Errorf("faulty is hidden from listings (decisions.md, ruling 10):\n%s", r.stdout)
	}
	v := zh(t, "", 10*time.Second, "drivers", "-v")
	wantCode(t, v, 0)
	if !strings.Contains(v.stdout, "sockets") || !strings.Contains(v.stdout, "REQ") {
		t.Errorf("drivers -v shows no capabilities:\n%s", v.stdout)
	}
}

func TestValidate(t *testing.T) {
	r := zh(t, "", 20*time.Second, "validate")
	wantCode(t, r, 0)
	if !regexp.MustCompile(`^\d+ cases valid\n$`).MatchString(r.stdout) {
		t.Errorf("validate output %q", r.stdout)
	}
	r = zh(t, "", 20*time.Second, "validate", repoPath(t, "scenarios", "conformance", "reqrep"))
	wantCode(t, r, 0)
}

func TestList(t *testing.T) {
	r := zh(t, "", 20*time.Second, "list")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "reqrep.basic-round-trip") || !regexp.MustCompile(`(?m)^\d+ cases$`).MatchString(r.stdout) {
		t.Errorf("list:\n%s", r.stdout)
	}
	r = zh(t, "", 20*time.Second, "list", "specs", "--pair", "gozmq:libzmq", "--transport", "tcp", "--pattern", "reqrep")
	wantCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 2 {
		t.Fatalf("list specs:\n%s", r.stdout)
	}
	for _, l := range lines[:len(lines)-1] {
		f := strings.Fields(l)
		if len(f) != 3 || !strings.HasPrefix(f[0], "reqrep.") || f[1] != "gozmq:libzmq" || f[2] != "tcp" {
			t.Errorf("spec line outside the filters: %q", l)
		}
	}
	if want := fmt.Sprintf("%d specs", len(lines)-1); lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
	r = zh(t, "", 10*time.Second, "list", "drivers")
	wantCode(t, r, 0)
	for _, d := range []string{"gozmq", "libzmq"} {
		if !regexp.MustCompile(`(?m)^` + d + `$`).MatchString(r.stdout) {
			t.Errorf("list drivers lacks %s:\n%s", d, r.stdout)
		}
	}
	r = zh(t, "", 10*time.Second, "list", "transports")
	wantCode(t, r, 0)
	if r.stdout != "tcp\nipc\ninproc\n" {
		t.Errorf("list transports %q", r.stdout)
	}
}

// TestListLabelFilter checks that list applies --label-filter as
// conformance does, so `list specs` says what a run would run.
func TestListLabelFilter(t *testing.T) {
	r := zh(t, "", 20*time.Second, "list", "specs", "--case", "reqrep.*", "--label-filter", "transport:ipc && subject:gozmq")
	wantCode(t, r, 0)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, l := range lines[:len(lines)-1] {
		f := strings.Fields(l)
		if len(f) != 3 || f[2] != "ipc" || !strings.HasPrefix(f[1], "gozmq:") {
			t.Errorf("spec outside the label filter: %q", l)
		}
	}
}

// repoPath is a path inside the repository (tests run in cmd/zharness).
func repoPath(t *testing.T, elem ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"..", ".."}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// junitDoc is the part of JUnit XML that CI systems read.
type junitDoc struct {
	XMLName xml.Name `xml:"testsuites"`
	Tests   int      `xml:"tests,attr"`
	Suites  []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Classname string `xml:"classname,attr"`
			Name      string `xml:"name,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) *junitDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d junitDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s is not JUnit XML: %v\n%s", path, err, tailOf(string(b), 2000))
	}
	return &d
}

func readResults(t *testing.T, path string) *reports.Results {
	t.Helper()
	res, err := reports.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
