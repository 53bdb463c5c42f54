package scenarios

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
)

// collectionDepth is how deeply mappings and lists nest in n.
func collectionDepth(n ast.Node) int {
	switch v := n.(type) {
	case *ast.MappingNode:
		d := 0
		for _, mv := range v.Values {
			d = max(d, collectionDepth(mv.Key), collectionDepth(mv.Value))
		}
		return d + 1
	case *ast.MappingValueNode:
		return max(collectionDepth(v.Key), collectionDepth(v.Value)) + 1
	case *ast.SequenceNode:
		d := 0
		for _, e := range v.Values {
			d = max(d, collectionDepth(e))
		}
		return d + 1
	case *ast.MappingKeyNode:
		return collectionDepth(v.Value)
	case *ast.AnchorNode:
		return collectionDepth(v.Value)
	case *ast.TagNode:
		return collectionDepth(v.Value)
	}
	return 0
}

// FuzzScanShape checks the pre-scan never undercounts nesting: whatever
// it lets through, the parser sees nested no deeper than maxNesting.
//
//	go test -run='^$' -fuzz=FuzzScanShape -fuzztime=30s ./scenarios/
func FuzzScanShape(f *testing.F) {
	for _, s := range []string{
		"[[[[a]]]]", "- - - a", "a:\n  b:\n    c: [1, {d: 2}]", "k: |\n  [[[[\n  ]]]]\nz: [1]",
		"- |\n [[[\n- [[x]]", "[a,#[[[\n]", "? [a]\n: [b]", `"[[[": '[[['`, "a: b # [[[\nc: [d]",
	} {
		f.Add([]byte(s))
	}
	// Near the limit, so that a mutation hiding one bracket from the scan
	// crosses it.
	near := strings.Repeat("[", maxNesting-2) + "x" + strings.Repeat("]", maxNesting-2)
	for _, s := range []string{near, "a: |\n  x\nb: " + near, "- '" + near + "'\n- " + near, "a: b #" + near + "\nc: " + near, strings.Repeat("- ", maxNesting-2) + near[:10]} {
		f.Add([]byte(s))
	}
	filepath.WalkDir("testdata", func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() && strings.HasSuffix(p, ".yaml") {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		if off, _ := checkText(data); off >= 0 {
			return
		}
		if off, _ := scanShape(data); off >= 0 {
			return
		}
		file, err := parseYAML(data)
		if err != nil {
			return
		}
		for _, doc := range file.Docs {
			if d := collectionDepth(doc.Body); d > maxNesting {
				t.Fatalf("the scan let through a document nested %d deep (limit %d)", d, maxNesting)
			}
		}
	})
}

// TestScanShapeMatchesParser checks the scan's depth estimate against the
// parser's on shapes where they could disagree.
func TestScanShapeMatchesParser(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "x" + strings.Repeat(close, n)
	}
	for _, tc := range []struct {
		name string
		yaml string
		ok   bool
	}{
		{"flow at the limit", deep("[", "]", maxNesting-1), true},
		{"flow over the limit", deep("[", "]", maxNesting+1), false},
		{"brackets in quotes", `a: "` + deep("[", "]", 200) + `"`, true},
		{"brackets in single quotes", `a: '` + deep("[", "]", 200) + `'`, true},
		{"brackets in a comment", "a: b # " + deep("[", "]", 200), true},
		{"brackets in a plain scalar", "a: b " + deep("[", "]", 200), true},
		{"brackets in a block scalar", "a: |\n  " + deep("[", "]", 200) + "\nb: c", true},
		{"brackets after a block scalar", "a: |\n  x\nb: " + deep("[", "]", 200), false},
		{"hash without space is text", "a: [b,#" + deep("[", "]", 200) + "]", false},
		{"compact lists", strings.Repeat("- ", maxNesting+1) + "x", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			off, msg := scanShape([]byte(tc.yaml))
			if ok := off < 0; ok != tc.ok {
				t.Errorf("scan accepted=%v (%s), want %v", ok, msg, tc.ok)
			}
		})
	}
}
