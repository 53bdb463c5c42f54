package html

import (
	"testing"

	"github.com/zharness/zharness/reports"
)

func TestBuildInterop(t *testing.T) {
	rec := func(s, p string, v reports.Verdict, unexp bool) *reports.Record {
		return &reports.Record{Type: reports.RecordConformance, Subject: s, Peer: p, Verdict: v, Unexpected: unexp}
	}
	res := &reports.Results{Records: []*reports.Record{
		rec("libzmq", "libzmq", reports.Pass, false), rec("libzmq", "libzmq", reports.Pass, false),
		rec("gozmq", "libzmq", reports.Pass, false), rec("gozmq", "libzmq", reports.Fail, true),
		rec("gozmq", "libzmq", reports.Unimplemented, false), rec("gozmq", "libzmq", reports.NotApplicable, false),
		{Type: reports.RecordPerf, Subject: "x", Peer: "y"},
	}}
	g := buildInterop(res)
	if len(g.Drivers) != 2 || g.Drivers[0] != "gozmq" || g.Drivers[1] != "libzmq" {
		t.Fatalf("drivers %v", g.Drivers)
	}
	gl := g.Rows[0].Cells[1] // gozmq:libzmq
	if !gl.Has || gl.Pass != 1 || gl.Fail != 1 || gl.Judged != 2 || gl.Unimpl != 1 || gl.Unex != 1 {
		t.Errorf("gozmq:libzmq %+v", gl)
	}
	if gg := g.Rows[0].Cells[0]; gg.Has {
		t.Errorf("gozmq:gozmq has a cell without records: %+v", gg)
	}
	if ll := g.Rows[1].Cells[1]; ll.Pass != 2 || ll.Judged != 2 || ll.Style != "background:hsl(120,65%,82%)" {
		t.Errorf("libzmq:libzmq %+v", ll)
	}
}
