package reports

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Schema names the results format; SchemaVersion is bumped on any change a
// reader must know about. Readers refuse other versions.
const (
	Schema        = "zharness-results"
	SchemaVersion = 1
)

// Header is the first line of a results file.
type Header struct {
	Schema  string `json:"schema"`
	Version int    `json:"version"`
	Meta    Meta   `json:"meta"`
}

// Meta describes the run that produced the records.
type Meta struct {
	Started   time.Time         `json:"started"`
	Host      string            `json:"host,omitempty"`
	CPUs      int               `json:"cpus,omitempty"`
	GoVersion string            `json:"go_version,omitempty"`
	Commit    string            `json:"commit,omitempty"`
	Command   []string          `json:"command,omitempty"`
	Drivers   map[string]string `json:"drivers,omitempty"`   // name → implementation version
	GOOS      string            `json:"goos,omitempty"`      // runtime.GOOS of the measuring host
	GOARCH    string            `json:"goarch,omitempty"`    // runtime.GOARCH of the measuring host
	CPUModel  string            `json:"cpu_model,omitempty"` // e.g. /proc/cpuinfo "model name"
	// Incomplete is set when the run was interrupted; it is written as a
	// trailing meta record (see Writer.Finish).
	Incomplete bool `json:"incomplete,omitempty"`
}

// Writer appends records to a results file, one JSON line each, flushed as
// they come so a crash or interrupt loses nothing already written.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	c   io.Closer
	enc *json.Encoder
}

// NewWriter writes the header to w and returns a Writer.
func NewWriter(w io.Writer, meta Meta) (*Writer, error) {
	enc := json.NewEncoder(w)
	if err := enc.Encode(Header{Schema: Schema, Version: SchemaVersion, Meta: meta}); err != nil {
		return nil, fmt.Errorf("results: write header: %w", err)
	}
	return &Writer{w: w, enc: enc}, nil
}

// Create creates (truncates) path and returns a Writer on it.
func Create(path string, meta Meta) (*Writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	w, err := NewWriter(f, meta)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.c = f
	return w, nil
}

// Add appends one record. It is safe for concurrent use.
func (w *Writer) Add(r *Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.enc.Encode(r); err != nil {
		return fmt.Errorf("results: write record %s: %w", r.Case, err)
	}
	// Each record is written straight to the file (no user-space buffer),
	// so a killed or interrupted process loses nothing already written; an
	// fsync per record would only guard against the machine failing, and
	// cost more than many specs take.
	return nil
}

// Finish appends the trailing meta record: the run's final metadata, with
// Incomplete set when it was interrupted. Readers merge it into the header's
// Meta, so a report can say the run did not finish.
func (w *Writer) Finish(meta Meta) error {
	return w.Add(&Record{Type: RecordMeta, Case: "meta", Meta: &meta})
}

// Close closes the underlying file if the Writer opened it.
func (w *Writer) Close() error {
	if w.c != nil {
		return w.c.Close()
	}
	return nil
}

// Results is a decoded results file.
type Results struct {
	Header  Header
	Records []*Record
}

// ErrSchema reports a file that is not a zharness results file of a version
// this reader knows.
var ErrSchema = errors.New("results: unsupported schema")

// Read decodes a results stream. A truncated last line (a run killed while
// writing) is an error naming the line.
func Read(r io.Reader) (*Results, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 256<<20)
	var res Results
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if len(b) == 0 {
			continue
		}
		if line == 1 {
			if err := json.Unmarshal(b, &res.Header); err != nil {
				return nil, fmt.Errorf("%w: line 1 is not a results header: %v", ErrSchema, err)
			}
			if res.Header.Schema != Schema {
				return nil, fmt.Errorf("%w: schema %q, want %q", ErrSchema, res.Header.Schema, Schema)
			}
			if res.Header.Version != SchemaVersion {
				return nil, fmt.Errorf("%w: version %d, this zharness reads version %d", ErrSchema, res.Header.Version, SchemaVersion)
			}
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("results: line %d: %v (truncated or corrupt file?)", line, err)
		}
		if rec.Type == RecordMeta {
			// The trailer written by Finish: it supersedes the header's
			// metadata, which was written before the run knew how it ended.
			if rec.Meta != nil {
				res.Header.Meta = *rec.Meta
			}
			continue
		}
		res.Records = append(res.Records, &rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if line == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrSchema)
	}
	return &res, nil
}

// ReadFile reads the results file at path; errors name the path.
func ReadFile(path string) (*Results, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return res, nil
}

// WriteResults writes res as a results stream (header, then records).
func WriteResults(w io.Writer, res *Results) error {
	rw, err := NewWriter(w, res.Header.Meta)
	if err != nil {
		return err
	}
	for _, r := range res.Records {
		if err := rw.Add(r); err != nil {
			return err
		}
	}
	return nil
}

// Append opens an existing results file to add records after the ones it
// has (a run that writes conformance and then performance records).
func Append(path string) (*Writer, error) {
	if _, err := ReadFile(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return &Writer{w: f, c: f, enc: json.NewEncoder(f)}, nil
}
