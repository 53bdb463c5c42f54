package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeCommands returns every line of README.md's ```sh blocks that runs
// zharness, in order, with trailing comments removed.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(repoPath(t, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	inSh := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			inSh = !inSh && strings.TrimPrefix(line, "```") == "sh"
		case inSh && strings.HasPrefix(line, "zharness "):
			if i := strings.Index(line, " #"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// splitShell splits a command line into words, honouring single and
// double quotes (enough for the README's examples; no escapes).
func splitShell(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestREADMEExamples runs every `zharness ...` line of the README's sh
// blocks, as written, in a scratch directory (so relative outputs such as
// results/ and junit.xml land there; scenarios/ is linked to the
// repository's). Only the size of the work is cut, by appending flags that
// leave the command's own flags as they are: conformance and run get
// `--shard 1/100 --in-process` (a few specs instead of hundreds), bench
// gets the tiny workloads file. A baseline a command needs is generated
// first. Exit 1 is allowed only where verdicts decide it (conformance,
// run); a usage error (2) is a wrong example.
func TestREADMEExamples(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 5 {
		t.Fatalf("found only %d zharness examples in README.md: %q", len(cmds), cmds)
	}
	dir := t.TempDir()
	if err := os.Symlink(repoPath(t, "scenarios"), filepath.Join(dir, "scenarios")); err != nil {
		t.Fatal(err)
	}
	wl := tinyWorkloadsDir(t, dir)
	for _, line := range cmds {
		args := splitShell(t, line)[1:]
		switch args[0] {
		case "conformance", "run":
			args = append(args, "--shard", "1/100", "--in-process")
			if args[0] == "run" {
				args = append(args, "--bench-workloads-file", wl)
			}
		case "bench":
			args = append(args, "--workloads-file", wl, "--quiet")
		case "compare":
			// The baseline is a results file of an earlier run; make one
			// from the latest results (an A/A comparison, no regression).
			for _, a := range args[1:] {
				if _, err := os.Stat(filepath.Join(dir, a)); os.IsNotExist(err) {
					src := latestPerfResults(t, dir, wl)
					copyFile(t, src, filepath.Join(dir, a))
				}
			}
		}
		r := zh(t, dir, 60*time.Second, args...)
		t.Logf("%s → exit %d in %s", line, r.code, r.elapsed.Round(time.Millisecond))
		switch {
		case r.code == 0:
		case r.code == 1 && (args[0] == "conformance" || args[0] == "run"):
		default:
			t.Errorf("README example %q: exit %d\n%s", line, r.code, r)
		}
	}
}

// latestPerfResults returns results/results.jsonl in dir if it holds perf
// records, else runs the tiny bench to make one.
func latestPerfResults(t *testing.T, dir, wl string) string {
	t.Helper()
	p := filepath.Join(dir, "results", "results.jsonl")
	if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), `"type":"perf"`) {
		return p
	}
	r := zh(t, dir, 60*time.Second, "bench", "--quick", "--workloads-file", wl, "--results-dir", "baseline-run", "--quiet")
	wantCode(t, r, 0)
	return filepath.Join(dir, "baseline-run", "results.jsonl")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCIReadmeExpectationsExample loads the expectations example of
// ci/README.md through the binary: it must be a valid file (exit 0 or 1,
// never the input error 2).
func TestCIReadmeExpectationsExample(t *testing.T) {
	b, err := os.ReadFile(repoPath(t, "ci", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```yaml\n")
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("ci/README.md has no ```yaml block")
	}
	dir := t.TempDir()
	exp := writeFile(t, dir, "expectations.yaml", block)
	r := zh(t, dir, 30*time.Second, "conformance", "--expectations", exp, "--case", "routing.dealer-round-robin",
		"--pair", "gozmq:gozmq", "--transport", "tcp", "--jobs", "1", "--in-process", "--quiet")
	if r.code != 0 && r.code != 1 {
		t.Fatalf("the example expectations are not accepted:\n%s", r)
	}
}
