package scenarios_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zharness/zharness/scenarios"
)

// Bounds on Decode of any input of at most 1 MiB: CPU time (which holds
// on a loaded machine) and, generously, wall-clock time (which catches a
// hang that burns no CPU). The race detector slows the parser about
// tenfold, hence raceFactor.
const (
	decodeCPUBound  = time.Second * raceFactor
	decodeWallBound = 10 * time.Second * raceFactor
)

// timedDecode runs Decode and fails t if it passes a bound. Callers run
// it alone (no t.Parallel), since CPU time is the whole process's.
func timedDecode(t *testing.T, name string, data []byte) ([]*scenarios.Case, error) {
	t.Helper()
	start, cpu0 := time.Now(), cpuTime()
	cases, err := scenarios.Decode(name, data)
	wall, cpu := time.Since(start), cpuTime()-cpu0
	if len(data) <= 1<<20 && (cpu > decodeCPUBound || wall > decodeWallBound) {
		t.Errorf("Decode of %d bytes took %v CPU, %v wall; bounds %v, %v", len(data),
			cpu.Round(time.Millisecond), wall.Round(time.Millisecond), decodeCPUBound, decodeWallBound)
	}
	return cases, err
}

// checkResult holds for every input: either cases or an ErrInvalid error
// made of positioned problems, never both, never neither.
func checkResult(t *testing.T, name string, cases []*scenarios.Case, err error) {
	t.Helper()
	if err != nil {
		if cases != nil {
			t.Fatalf("Decode returned %d cases and an error", len(cases))
		}
		if !errors.Is(err, scenarios.ErrInvalid) {
			t.Fatalf("errors.Is(err, ErrInvalid) is false for %v", err)
		}
		for _, p := range problems(t, err) {
			if p.Pos.File != name || p.Msg == "" {
				t.Fatalf("problem without file or message: %+v", p)
			}
		}
		return
	}
	if len(cases) == 0 {
		t.Fatal("Decode returned neither cases nor an error")
	}
	for _, c := range cases {
		if c.ID == "" || len(c.Roles) == 0 || len(c.Steps) == 0 || c.Grade == "" || len(c.Transports) == 0 {
			t.Fatalf("accepted an incomplete case: %+v", c)
		}
		found := false
		for _, r := range c.Roles {
			found = found || r.Name == c.Subject
		}
		if !found {
			t.Fatalf("accepted case %s whose subject %q is not a role", c.ID, c.Subject)
		}
	}
}

// FuzzDecode feeds the loader mutations of every shipped scenario and of
// the invalid corpus. It must never panic, hang or take more than
// decodeBound, and must always answer with cases or problems.
//
//	go test -run='^$' -fuzz=FuzzDecode -fuzztime=30s ./scenarios/
func FuzzDecode(f *testing.F) {
	seeds := 0
	err := fs.WalkDir(scenarios.Embedded, "conformance", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := fs.ReadFile(scenarios.Embedded, p)
		f.Add(data)
		seeds++
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	err = filepath.WalkDir("testdata", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		data, err := os.ReadFile(p)
		f.Add(data)
		seeds++
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	if seeds < 40 {
		f.Fatalf("only %d seeds; the embedded scenarios or the corpus are missing", seeds)
	}
	warmPattern(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cases, err := timedDecode(t, "fuzz.yaml", data)
		checkResult(t, "fuzz.yaml", cases, err)
		if err != nil && strings.Contains(err.Error(), "the YAML parser failed") {
			// Contained, but a parser panic is worth a look.
			t.Errorf("the YAML parser panicked: %v", err)
		}
	})
}

// warmPattern makes the loader allocate its shared {size: N} content at
// the largest size once, outside the timed calls: a fresh 64 MiB costs up
// to a second of CPU on a loaded machine, once per process.
func warmPattern(tb testing.TB) {
	tb.Helper()
	base, err := os.ReadFile("testdata/valid/base.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	big := strings.Replace(string(base), "frames: [hello]", "frames: [{size: 67108864}]", 1)
	if _, err := scenarios.Decode("warm.yaml", []byte(big)); err != nil {
		tb.Fatal(err)
	}
}

// TestDecodeBounded feeds inputs built to exhaust a parser: deep and wide
// structures, long scalars, many frames, files over the size limit. Each
// must be refused or accepted within decodeBound.
func TestDecodeBounded(t *testing.T) {
	const mib = 1 << 20
	fill := func(unit string, total int) []byte {
		return bytes.Repeat([]byte(unit), total/len(unit))
	}
	base, err := os.ReadFile("testdata/valid/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var manySteps bytes.Buffer
	manySteps.Write(base)
	for i := 0; i < 900; i++ {
		manySteps.WriteString("    - send: {socket: req, frames: [hello]}\n")
	}
	var bigFrames bytes.Buffer
	bigFrames.Write(base)
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&bigFrames, "    - send: {socket: req, frames: [{size: %d}]}\n", 1<<20+i*200000)
	}
	var deepIndent bytes.Buffer
	for i := 0; deepIndent.Len() < mib-4096; i++ {
		fmt.Fprintf(&deepIndent, "%sk:\n", strings.Repeat(" ", i))
	}
	var manyKeys, manyMaps bytes.Buffer
	for i := 0; manyKeys.Len() < mib-16; i++ {
		fmt.Fprintf(&manyKeys, "k%d: v\n", i)
	}
	for i := 0; manyMaps.Len() < 160_000; i++ {
		if i%1000 == 0 {
			fmt.Fprintf(&manyMaps, "m%d:\n", i)
		}
		fmt.Fprintf(&manyMaps, "  k%d: v\n", i%1000)
	}
	tests := []struct {
		name string
		data []byte
		want string // a fragment of the first problem; "" if the input is valid
	}{
		{"over the size limit", fill("# a comment line\n", mib+17), "scenario files are limited to 1048576"},
		{"deep flow lists", append(fill("[", mib/2), fill("]", mib/2)...), "nesting deeper than 64 levels"},
		{"deep flow mappings", fill("{a: ", mib), "nesting deeper than 64 levels"},
		{"deep block lists", fill("- ", mib), "nesting deeper than 64 levels"},
		{"deep indentation", deepIndent.Bytes(), "nesting deeper than 64 levels"},
		{"wide flow list", append([]byte("["), fill("1,", mib-2)...), "more than 50000 YAML tokens"},
		{"many keys in a mapping", manyKeys.Bytes(), "more than 1000 entries in one mapping"},
		{"many mappings of 1000 keys", manyMaps.Bytes(), "unknown key"},
		{"one long string", append(append([]byte(`title: "`), fill("x", mib-20)...), '"'), "missing required keys"},
		{"one long plain line", fill("word ", mib), "expected a mapping"},
		{"only comments", fill("# nothing to see here\n", mib), "empty file"},
		{"block scalar", append([]byte("title: |\n"), fill("  [[[[{{{{ text ]]]]\n", mib-20)...), "missing required keys"},
		{"many steps", manySteps.Bytes(), ""},
		{"300 frames of 1 to 64 MiB", bigFrames.Bytes(), ""},
		{"aliases", fill("- &a [*a, *a, *a]\n", 10_000), "anchors, aliases"},
		{"NUL bytes", make([]byte, mib), "binary data (a NUL byte)"},
		{"many problems", fill("- x\n", 3000), "more problems not shown"},
	}
	warmPattern(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			cpu0 := cpuTime()
			cases, err := timedDecode(t, "big.yaml", tc.data)
			runtime.ReadMemStats(&m1)
			alloc := m1.TotalAlloc - m0.TotalAlloc
			t.Logf("%d bytes: %v CPU, %d MiB allocated", len(tc.data), (cpuTime() - cpu0).Round(time.Millisecond), alloc>>20)
			// The parser's tree takes about 100 MiB at most here;
			// 300 frames of up to 64 MiB would take 9 GiB unshared.
			if alloc > 256<<20 {
				t.Errorf("Decode allocated %d MiB", alloc>>20)
			}
			checkResult(t, "big.yaml", cases, err)
			if tc.want == "" && err == nil {
				checkPatternFrames(t, cases)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("want valid, got %.300v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("want a problem containing %q, got %.300v", tc.want, err)
			}
		})
	}
}

// checkPatternFrames checks {size: N} frames hold the a–z pattern, though
// they share one buffer: the largest in full, the others at both ends.
func checkPatternFrames(t *testing.T, cases []*scenarios.Case) {
	t.Helper()
	var largest []byte
	for _, c := range cases {
		for _, s := range c.Steps {
			for _, f := range s.Frames {
				if !f.IsRaw {
					continue
				}
				if cap(f.Raw) != len(f.Raw) {
					t.Fatalf("frame of %d bytes has capacity %d: an append would write into another frame", len(f.Raw), cap(f.Raw))
				}
				n := len(f.Raw)
				for _, i := range []int{0, 1, 25, 26, n / 2, n - 27, n - 1} {
					if i >= 0 && i < n && f.Raw[i] != byte('a'+i%26) {
						t.Fatalf("frame of %d bytes: byte %d is %q, want %q", n, i, f.Raw[i], byte('a'+i%26))
					}
				}
				if n > len(largest) {
					largest = f.Raw
				}
			}
		}
	}
	for i, b := range largest {
		if b != byte('a'+i%26) {
			t.Fatalf("frame of %d bytes: byte %d is %q, want %q", len(largest), i, b, byte('a'+i%26))
		}
	}
}
