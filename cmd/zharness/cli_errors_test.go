package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestUsageErrors runs every subcommand with bad input and checks exit
// status 2 and a message that says what is wrong (and, for names, lists
// the valid ones). Rows a subcommand cannot have are absent: drivers and
// version take no input files or filters; report and compare take
// results files, so their "bad file" is a corrupt results file.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", badScenario)
	badPerf := writeFile(t, dir, "badperf.yaml", badWorkloads)
	corrupt := writeFile(t, dir, "corrupt.jsonl", `{"schema":"zharness-results","version":1,"meta":{"started":"2026-01-01T00:00:00Z"}}
{"type":"perf","case":"x","subject":"libzmq","perf":{"workload":"throughput","size":
`)
	notResults := writeFile(t, dir, "not-results.txt", "hello\n")

	validDrivers := regexp.MustCompile(`unknown driver "nope".*gozmq.*libzmq|unknown driver "nope".*libzmq.*gozmq`)
	validTransports := regexp.MustCompile(`unknown transport "udp".*tcp.*ipc.*inproc`)
	badFlag := regexp.MustCompile(`unknown flag: --no-such-flag`)
	emptySel := regexp.MustCompile(`(?i)no (specs|cases) match|nothing selected`)
	scenarioPos := regexp.MustCompile(`bad\.yaml:9:\d+: .*REPX`)

	type row struct {
		name string
		args []string
		want *regexp.Regexp
	}
	rows := []row{}
	add := func(name string, want *regexp.Regexp, args ...string) {
		rows = append(rows, row{name, args, want})
	}
	for _, cmd := range []string{"run", "conformance", "bench", "report", "compare", "list", "validate", "drivers", "version"} {
		add(cmd+"/bad-flag", badFlag, cmd, "--no-such-flag")
	}
	// Commands that select conformance specs share the filters.
	for _, cmd := range [][]string{{"run", "--no-bench"}, {"conformance"}, {"list"}, {"list", "specs"}} {
		n := strings.Join(cmd, "-")
		with := func(extra ...string) []string { return append(append([]string{}, cmd...), extra...) }
		add(n+"/bad-scenario", scenarioPos, with("--scenarios", bad)...)
		add(n+"/unknown-driver", validDrivers, with("--driver", "nope")...)
		add(n+"/unknown-pair-driver", validDrivers, with("--pair", "libzmq:nope")...)
		add(n+"/unknown-transport", validTransports, with("--transport", "udp")...)
		add(n+"/empty-case-glob", emptySel, with("--case", "no-such-case.*")...)
		add(n+"/empty-label-filter", emptySel, with("--label-filter", "transport:udp")...)
		add(n+"/bad-label-filter", regexp.MustCompile(`--label-filter`), with("--label-filter", "((")...)
	}
	add("conformance/bad-shard", regexp.MustCompile(`--shard "3/2"`), "conformance", "--shard", "3/2")
	add("conformance/bad-fail-on", regexp.MustCompile(`--fail-on`), "conformance", "--fail-on", "MAYBE")
	add("conformance/bad-expectations", regexp.MustCompile(`exp\.yaml:\d+`), "conformance", "--case", oneSpec,
		"--expectations", writeFile(t, dir, "exp.yaml", "expectations:\n  - case: x\n    subject: libzmq\n    verdict: FAIL\n"))
	add("run/unknown-bench-driver", validDrivers, "run", "--case", oneSpec, "--bench-driver", "nope")
	add("validate/bad-scenario", scenarioPos, "validate", bad)
	add("validate/missing-path", regexp.MustCompile(`no-such-dir`), "validate", "no-such-dir")
	add("bench/bad-workloads", regexp.MustCompile(`badperf\.yaml:4:\d+: .*warp-speed`), "bench", "--workloads-file", badPerf)
	add("bench/unknown-driver", regexp.MustCompile(`unknown driver "nope".*libzmq`), "bench", "--driver", "nope")
	add("bench/unknown-transport", validTransports, "bench", "--transport", "udp")
	add("bench/empty-selection", emptySel, "bench", "--workload", "no-such-workload")
	add("bench/bad-size", regexp.MustCompile(`--size "huge"`), "bench", "--size", "huge")
	add("report/corrupt-results", regexp.MustCompile(`corrupt\.jsonl: .*line 2`), "report", corrupt, "-o", dir+"/out")
	add("report/not-results", regexp.MustCompile(`not-results\.txt`), "report", notResults, "-o", dir+"/out")
	add("report/missing-arg", regexp.MustCompile(`accepts 1 arg`), "report")
	add("compare/corrupt-results", regexp.MustCompile(`corrupt\.jsonl`), "compare", corrupt, corrupt)
	add("compare/missing-file", regexp.MustCompile(`no-such\.jsonl`), "compare", "no-such.jsonl", corrupt)
	add("compare/one-arg", regexp.MustCompile(`accepts 2 arg`), "compare", corrupt)
	add("list/unknown-kind", regexp.MustCompile(`cases, specs, drivers, transports`), "list", "bogus")
	add("drivers/extra-arg", regexp.MustCompile(`unknown command|accepts 0 arg`), "drivers", "extra")
	add("version/extra-arg", regexp.MustCompile(`unknown command|accepts 0 arg`), "version", "extra")
	add("unknown-command", regexp.MustCompile(`unknown command "frobnicate"`), "frobnicate")

	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			res := zh(t, work, 30*time.Second, r.args...)
			wantCode(t, res, 2)
			if !r.want.MatchString(res.stderr) {
				t.Errorf("stderr does not match %q:\n%s", r.want, res)
			}
			if !strings.HasPrefix(res.stderr, "zharness: ") && !strings.Contains(res.stderr, "\nzharness: ") {
				t.Errorf("the error is not on stderr as \"zharness: ...\":\n%s", res)
			}
		})
	}
}
