package reports_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/reports/reportstest"
)

// writeSample encodes the sample results as a results stream.
func writeSample(t *testing.T) []byte {
	t.Helper()
	res := reportstest.Results()
	var buf bytes.Buffer
	w, err := reports.NewWriter(&buf, res.Header.Meta)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		if err := w.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestReadRoundTrip(t *testing.T) {
	t.Parallel()
	want := reportstest.Results()
	got, err := reports.Read(bytes.NewReader(writeSample(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Records) != len(want.Records) {
		t.Fatalf("records: got %d, want %d", len(got.Records), len(want.Records))
	}
	if got.Header.Meta.CPUModel != want.Header.Meta.CPUModel || got.Header.Meta.Incomplete {
		t.Errorf("meta: got %+v", got.Header.Meta)
	}
	last := got.Records[len(got.Records)-1]
	if last.Perf == nil || len(want.Records[0].Events) != len(got.Records[0].Events) {
		t.Errorf("record content lost: %+v", last)
	}
}

func TestFinishMarksIncomplete(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w, err := reports.NewWriter(&buf, reports.Meta{Host: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(&reports.Record{Type: reports.RecordConformance, Case: "a", Subject: "x", Verdict: reports.Pass}); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(reports.Meta{Host: "h", Incomplete: true}); err != nil {
		t.Fatal(err)
	}
	res, err := reports.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Header.Meta.Incomplete {
		t.Error("trailer's Incomplete not merged into the header")
	}
	if len(res.Records) != 1 {
		t.Errorf("records: got %d, want 1 (the trailer is not a record)", len(res.Records))
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	good := writeSample(t)
	lines := strings.Count(string(good), "\n")
	wrongVersion := bytes.Replace(good, []byte(`"version":1`), []byte(`"version":99`), 1)
	wrongSchema := bytes.Replace(good, []byte(`"schema":"zharness-results"`), []byte(`"schema":"vegeta"`), 1)
	badVerdict := bytes.Replace(good, []byte(`"verdict":"PASS"`), []byte(`"verdict":"SKIP"`), 1)
	for _, tc := range []struct {
		name   string
		data   []byte
		schema bool     // want errors.Is(err, ErrSchema)
		want   []string // substrings of the message
	}{
		{"truncated", good[:len(good)-40], false, []string{"line " + strconv.Itoa(lines), "truncated or corrupt"}},
		{"wrong version", wrongVersion, true, []string{"version 99", "reads version 1"}},
		{"wrong schema", wrongSchema, true, []string{`schema "vegeta"`}},
		{"empty", nil, true, []string{"empty file"}},
		{"not json", []byte("BenchmarkX 1 2 ns/op\n"), true, []string{"line 1 is not a results header"}},
		{"unknown verdict", badVerdict, false, []string{`unknown verdict "SKIP"`, "line 2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reports.Read(bytes.NewReader(tc.data))
			if err == nil {
				t.Fatal("got nil error")
			}
			if errors.Is(err, reports.ErrSchema) != tc.schema {
				t.Errorf("errors.Is(err, ErrSchema) = %v, want %v (err: %v)", !tc.schema, tc.schema, err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestReadFileNamesPath(t *testing.T) {
	t.Parallel()
	good := writeSample(t)
	p := filepath.Join(t.TempDir(), "results.jsonl")
	if err := os.WriteFile(p, good[:len(good)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := reports.ReadFile(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": results: line ") {
		t.Fatalf("got %v, want an error starting with the path and the line", err)
	}
}
