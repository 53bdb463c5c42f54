package html

import (
	"cmp"
	"slices"

	"github.com/zharness/zharness/reports"
)

// perfRow is one perf point in the table: medians over its repeats.
type perfRow struct {
	Workload, Driver, Transport, Mode, Topology string
	Security                                    string // "" for NULL
	Size, N, Failed                             int
	Msgs, MB, P50, P99, P999, Max               float64 // ns for latencies; 0 = not measured
	CPU, Allocs                                 float64
	Errors                                      []string
	// Skipped holds why a point was not measured (records with verdict
	// N/A, e.g. a driver without the point's security mechanism).
	Skipped []string
}

type perfKey struct {
	workload, driver, transport, mode, topology, security string
	size                                                  int
}

func perfRows(perf []*reports.Record) []perfRow {
	groups := map[perfKey][]*reports.Record{}
	for _, r := range perf {
		driver := r.Subject
		if r.Peer != "" && r.Peer != r.Subject {
			driver += ":" + r.Peer
		}
		k := perfKey{r.Perf.Workload, driver, r.Transport, r.Perf.Mode, r.Perf.Topology, r.Perf.Security, r.Perf.Size}
		groups[k] = append(groups[k], r)
	}
	var rows []perfRow
	for k, rs := range groups {
		row := perfRow{Workload: k.workload, Driver: k.driver, Transport: k.transport, Mode: k.mode, Topology: k.topology,
			Security: k.security, Size: k.size}
		var msgs, mb, p50, p99, p999, mx, cpu, allocs []float64
		for _, r := range rs {
			p := r.Perf
			if r.Verdict == reports.NotApplicable {
				row.Skipped = append(row.Skipped, r.Reason)
				continue
			}
			if p.Error != "" {
				row.Failed++
				row.Errors = append(row.Errors, p.Error)
				continue
			}
			row.N++
			msgs = appendPos(msgs, p.MsgsPerSec)
			mb = appendPos(mb, p.MBPerSec)
			p50 = appendPos(p50, float64(p.LatP50))
			p99 = appendPos(p99, float64(p.LatP99))
			p999 = appendPos(p999, float64(p.LatP999))
			mx = appendPos(mx, float64(p.LatMax))
			cpu = appendPos(cpu, p.CPUPerMsgNS)
			allocs = appendPos(allocs, p.AllocsPerMsg)
		}
		row.Msgs, row.MB, row.P50, row.P99 = median(msgs), median(mb), median(p50), median(p99)
		row.P999, row.Max, row.CPU, row.Allocs = median(p999), median(mx), median(cpu), median(allocs)
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b perfRow) int {
		return cmp.Or(cmp.Compare(a.Workload, b.Workload), cmp.Compare(a.Driver, b.Driver),
			cmp.Compare(a.Transport, b.Transport), cmp.Compare(a.Mode, b.Mode), cmp.Compare(a.Topology, b.Topology),
			cmp.Compare(a.Security, b.Security), cmp.Compare(a.Size, b.Size))
	})
	return rows
}

func appendPos(s []float64, v float64) []float64 {
	if v > 0 {
		return append(s, v)
	}
	return s
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}
