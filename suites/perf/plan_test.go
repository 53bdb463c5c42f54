package perf

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseGood(t *testing.T) {
	t.Parallel()
	src := `profile: quick
defaults:
  repeats: 2
  sizes: [8, 1KiB]
workloads:
  - id: a
    kind: throughput
    max_bytes: 1KiB
  - id: b
    kind: latency
    pattern: pair
    transports: [ipc]
    count: 7
`
	p, err := Parse("ok.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Workloads) != 2 {
		t.Fatalf("got %d workloads, want 2", len(p.Workloads))
	}
	a, b := p.Workloads[0], p.Workloads[1]
	if a.Repeats != 2 || a.Profile != "quick" || len(a.Sizes) != 2 || a.Sizes[1] != 1024 {
		t.Errorf("a = %+v, want repeats 2, profile quick, sizes [8 1024]", a)
	}
	if got := a.CountFor(1024); got != minCount {
		t.Errorf("CountFor(1KiB) with max_bytes 1KiB = %d, want the floor %d", got, minCount)
	}
	if a.Pos != "ok.yaml:6:5" {
		t.Errorf("a.Pos = %q, want ok.yaml:6:5", a.Pos)
	}
	if b.Pattern != PatternPair || b.Count != 7 || len(b.Transports) != 1 || b.Transports[0] != "ipc" {
		t.Errorf("b = %+v", b)
	}
}

func TestParseErrorsNamePosition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src string
		want      []string // substrings of the error
	}{
		{"unknown field", "workloads:\n  - id: a\n    kind: throughput\n    colour: red\n", []string{"bad.yaml:4:5:", "colour"}},
		{"bad kind", "workloads:\n  - id: a\n    kind: thruput\n", []string{"bad.yaml:3:11:", `kind "thruput": want throughput, latency or fanout`}},
		{"bad size", "workloads:\n  - id: a\n    kind: latency\n    sizes: [8, 3XB]\n", []string{"bad.yaml:4:16:", `size "3XB": want a byte count`}},
		{"wrong type", "workloads:\n  - id: a\n    kind: latency\n    count: lots\n", []string{"bad.yaml:4:12:", `count: "lots": want int`}},
		{"bad transport", "workloads:\n  - id: a\n    kind: latency\n    transports: [tcp, udp]\n", []string{"bad.yaml:4:23:", `unknown transport "udp"`}},
		{"missing id", "workloads:\n  - kind: latency\n", []string{"bad.yaml:2:5:", "missing id"}},
		{"no workloads", "profile: full\n", []string{"bad.yaml:", "no workloads"}},
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

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := "workloads:\n  - id: a\n    kind: nope\n  - id: b\n    kind: latency\n    repeats: 0\n"
	_, err := Parse("two.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "two.yaml:3:") || !strings.Contains(err.Error(), "two.yaml:6:") {
		t.Fatalf("got %v, want errors at lines 3 and 6", err)
	}
}

func TestLoadFSDuplicateIDs(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"a.yaml": {Data: []byte("workloads:\n  - id: x\n    kind: throughput\n")},
		"b.yaml": {Data: []byte("workloads:\n  - id: x\n    kind: latency\n")},
	}
	_, err := LoadFS(fsys)
	if err == nil || !strings.Contains(err.Error(), "b.yaml:2:5") || !strings.Contains(err.Error(), "a.yaml:2:5") {
		t.Fatalf("got %v, want a duplicate-id error naming both places", err)
	}
}

func TestShippedWorkloadsLoad(t *testing.T) {
	t.Parallel()
	p, err := LoadFS(os.DirFS("../../scenarios/perf"))
	if err != nil {
		t.Fatal(err)
	}
	q := p.Profile("quick")
	if len(q.Workloads) == 0 || len(p.Profile("full").Workloads) == 0 {
		t.Fatalf("want both profiles, got %d workloads (%d quick)", len(p.Workloads), len(q.Workloads))
	}
	if _, err := LoadFiles("../../scenarios/perf"); err != nil {
		t.Errorf("LoadFiles(dir): %v", err)
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{"8": 8, "1KiB": 1024, "1MiB": 1 << 20, "64 B": 64, "2k": 2048} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5KiB", "lots"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) succeeded, want an error", in)
		}
	}
}
