package compare

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/zharness/zharness/reports"
)

// ReadBenchfmt turns Go benchmark output, as reports.WriteBenchfmt writes
// it, back into perf records, so a baseline kept as benchstat text can be
// compared like a results file. name is used in error messages. Lines of
// other benchmarks are kept; their sub-name keys fill what they can.
func ReadBenchfmt(r io.Reader, name string) ([]*reports.Record, error) {
	rd := benchfmt.NewReader(r, name)
	var out []*reports.Record
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("compare: %w", rec)
		case *benchfmt.Result:
			out = append(out, fromResult(rec))
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("compare: %s: %w", name, err)
	}
	return out, nil
}

func fromResult(res *benchfmt.Result) *reports.Record {
	base, parts := res.Name.Parts()
	p := &reports.Perf{Workload: strings.ToLower(string(base)), Count: res.Iters}
	r := &reports.Record{Type: reports.RecordPerf, Case: "perf." + p.Workload, Perf: p}
	for _, part := range parts {
		k, v, ok := strings.Cut(strings.TrimPrefix(string(part), "/"), "=")
		if !ok {
			continue
		}
		switch k {
		case "pattern":
			r.Pattern = v
		case "subs":
			p.Subscribers, _ = strconv.Atoi(v)
		case "driver":
			r.Subject = v
		case "peer":
			r.Peer = v
		case "transport":
			r.Transport = v
		case "mode":
			p.Mode = v
		case "topology":
			p.Topology = v
		case "sec":
			p.Security = v
		case "size":
			p.Size, _ = strconv.Atoi(v)
		}
	}
	for _, v := range res.Values {
		unit, val := v.Unit, v.Value
		if v.OrigUnit != "" {
			// The reader tidies "p50-ns" into seconds; undo it.
			unit, val = v.OrigUnit, v.OrigValue
		}
		switch unit {
		case "msgs/s":
			p.MsgsPerSec = val
		case "MB/s":
			p.MBPerSec = val
		case "p50-ns":
			p.LatP50 = int64(val)
		case "p90-ns":
			p.LatP90 = int64(val)
		case "p99-ns":
			p.LatP99 = int64(val)
		case "p99.9-ns":
			p.LatP999 = int64(val)
		case "max-ns":
			p.LatMax = int64(val)
		case "cpu-ns/msg":
			p.CPUPerMsgNS = val
		case "allocs/msg":
			p.AllocsPerMsg = val
		}
	}
	return r
}
