package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// MergeFiles writes the records of several results files (the shards of a
// run) into one file at out under a new header. A part whose last line is
// cut off (its worker was killed while writing) contributes every complete
// record, and the merge reports itself incomplete.
func MergeFiles(out string, meta Meta, parts []string) (incomplete bool, err error) {
	w, err := Create(out, meta)
	if err != nil {
		return false, err
	}
	defer w.Close()
	for _, p := range parts {
		cut, err := copyRecords(w, p)
		if err != nil {
			return true, err
		}
		incomplete = incomplete || cut
	}
	return incomplete, nil
}

func copyRecords(w *Writer, path string) (cut bool, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return true, nil // the worker never started writing
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 256<<20)
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			var h Header
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.Schema != Schema || h.Version != SchemaVersion {
				return false, fmt.Errorf("%s: %w: not a results file of version %d", path, ErrSchema, SchemaVersion)
			}
			continue
		}
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			cut = true // a partial last line; everything before it counts
			continue
		}
		if r.Type == RecordMeta {
			if r.Meta != nil && r.Meta.Incomplete {
				cut = true
			}
			continue
		}
		if err := w.Add(&r); err != nil {
			return cut, err
		}
	}
	return cut || line == 0, sc.Err()
}
