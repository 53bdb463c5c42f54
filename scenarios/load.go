package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Decode parses and validates one scenario file's content. file names it
// in error positions. It returns every problem found, joined.
func Decode(file string, data []byte) ([]*Case, error) {
	d := &decoder{file: file}
	body := d.parse(data)
	var cases []*Case
	if body != nil {
		cases = d.decodeFile(body)
	}
	for _, p := range checkUnique(cases) {
		d.add(p.(*Problem).Pos, p.(*Problem).Msg)
	}
	if err := d.result(); err != nil {
		return nil, err
	}
	return cases, nil
}

// LoadFS loads every *.yaml file under dir in fsys (sorted by path), checks
// that ids are unique, and returns the cases sorted by id. Errors from all
// files are joined; names in them are prefixed with prefix (e.g. the
// on-disk directory) so users can open the file.
func LoadFS(fsys fs.FS, dir, prefix string) ([]*Case, error) {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() && strings.HasSuffix(p, ".yaml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	sort.Strings(files)
	var all []*Case
	var errs []error
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name := f
		if prefix != "" {
			name = path.Join(prefix, f)
		}
		cs, err := Decode(name, data)
		if err != nil {
			errs = append(errs, err)
		}
		all = append(all, cs...)
	}
	return finishLoad(all, errs)
}

// finishLoad checks ids across files and sorts the cases by id; any
// problem, earlier or here, fails the whole load.
func finishLoad(all []*Case, errs []error) ([]*Case, error) {
	errs = append(errs, checkUnique(all)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all, nil
}

// LoadPaths loads files and directories from disk.
func LoadPaths(paths ...string) ([]*Case, error) {
	var all []*Case
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var cs []*Case
		if st.IsDir() {
			cs, err = LoadFS(os.DirFS(p), ".", filepath.Clean(p))
		} else {
			var data []byte
			data, err = os.ReadFile(p)
			if err == nil {
				cs, err = Decode(p, data)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
		all = append(all, cs...)
	}
	return finishLoad(all, errs)
}

// LoadDefault loads the conformance cases embedded in the binary.
func LoadDefault() ([]*Case, error) { return LoadFS(Embedded, "conformance", "scenarios") }

func checkUnique(cases []*Case) []error {
	seen := map[string]*Case{}
	var errs []error
	for _, c := range cases {
		if first, dup := seen[c.ID]; dup {
			errs = append(errs, &Problem{Pos: c.Pos, Msg: fmt.Sprintf("duplicate case id %q (first defined at %s)", c.ID, first.Pos)})
			continue
		}
		seen[c.ID] = c
	}
	return errs
}

// LoadEmbeddedFile loads one embedded scenario file by its path inside the
// embedded tree (e.g. "conformance/reqrep/basic.yaml").
func LoadEmbeddedFile(name string) ([]*Case, error) {
	data, err := fs.ReadFile(Embedded, name)
	if err != nil {
		return nil, err
	}
	return Decode(path.Join("scenarios", name), data)
}
