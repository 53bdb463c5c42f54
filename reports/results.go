package reports

import (
	"cmp"
	"slices"
)

// Pairing is the record's pairing label, "subject:peer" (decisions.md,
// ruling 6). A record without a peer (a perf point of one driver, a case
// with a single role) is labelled by its subject alone.
func (r *Record) Pairing() string {
	if r.Peer == "" {
		return r.Subject
	}
	return r.Subject + ":" + r.Peer
}

// Column identifies one column of the conformance matrix: a pairing over a
// transport.
type Column struct {
	Pairing   string
	Transport string
}

// String is "subject:peer transport".
func (c Column) String() string {
	if c.Transport == "" {
		return c.Pairing
	}
	return c.Pairing + " " + c.Transport
}

// Column returns the matrix column the record belongs to.
func (r *Record) Column() Column { return Column{r.Pairing(), r.Transport} }

// Conformance returns the conformance records in file order.
func (res *Results) Conformance() []*Record { return res.ofType(RecordConformance) }

// Perf returns the performance records (those with a Perf point) in file
// order.
func (res *Results) Perf() []*Record {
	var out []*Record
	for _, r := range res.ofType(RecordPerf) {
		if r.Perf != nil {
			out = append(out, r)
		}
	}
	return out
}

func (res *Results) ofType(t string) []*Record {
	var out []*Record
	for _, r := range res.Records {
		if r.Type == t {
			out = append(out, r)
		}
	}
	return out
}

// Columns returns the distinct matrix columns of the conformance records,
// sorted by pairing then transport so every output lists them alike.
func (res *Results) Columns() []Column {
	seen := map[Column]bool{}
	var cols []Column
	for _, r := range res.Conformance() {
		c := r.Column()
		if !seen[c] {
			seen[c] = true
			cols = append(cols, c)
		}
	}
	slices.SortFunc(cols, func(a, b Column) int {
		return cmp.Or(cmp.Compare(a.Pairing, b.Pairing), cmp.Compare(a.Transport, b.Transport))
	})
	return cols
}

// Severity orders verdicts for display when several records share one
// cell (repeats): the cell shows the most severe. FAIL ranks highest.
func (v Verdict) Severity() int {
	switch v {
	case Fail:
		return 5
	case NonStrict:
		return 4
	case Informational:
		return 3
	case Unimplemented:
		return 2
	case NotApplicable:
		return 1
	}
	return 0 // PASS and unset
}
