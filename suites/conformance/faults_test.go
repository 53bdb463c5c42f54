//go:build cgo

package conformance_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/faulty"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
)

// TestFaultsAreCaught proves the suite can fail: with each message fault
// of drivers/faulty injected into libzmq, cases that pass on clean libzmq
// must turn FAIL (the first few such witnesses are listed).
func TestFaultsAreCaught(t *testing.T) {
	cases, err := scenarios.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	clean, err := drivers.Lookup("libzmq")
	if err != nil {
		t.Fatal(err)
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	run := func(d drivers.Driver, c *scenarios.Case) reports.Verdict {
		return scenarios.Run(context.Background(), c, scenarios.Pairing{Subject: d, Peer: d}, drivers.TCP, scenarios.Options{Endpoints: eps}).Verdict
	}
	var tcpCases []*scenarios.Case
	for _, c := range cases {
		for _, tr := range c.Transports {
			if tr == drivers.TCP {
				tcpCases = append(tcpCases, c)
			}
		}
	}
	// Baseline: which cases pass on clean libzmq over tcp.
	passing := map[string]bool{}
	for _, c := range tcpCases {
		if run(clean, c) == reports.Pass {
			passing[c.ID] = true
		}
	}
	// delay is a performance fault (reports/compare's test uses it); the
	// rest change what arrives and must turn cases FAIL.
	faults := []string{"drop=3", "dup=3", "reorder=2", "truncate", "nofilter"}
	const witnesses = 3 // enough to prove the point; keeps the test short
	var mu sync.Mutex
	caught := map[string][]string{}
	var wg sync.WaitGroup
	for _, spec := range faults {
		f, err := faulty.ParseFault(spec)
		if err != nil {
			t.Fatal(err)
		}
		d := faulty.Wrap(clean, f)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 0
			for _, c := range tcpCases {
				if n < witnesses && passing[c.ID] && run(d, c) == reports.Fail {
					n++
					mu.Lock()
					caught[spec] = append(caught[spec], c.ID)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var report []string
	for _, spec := range faults {
		ids := caught[spec]
		sort.Strings(ids)
		if len(ids) == 0 {
			t.Errorf("fault %s: no case turned FAIL; the suite cannot see this misbehaviour", spec)
		}
		report = append(report, fmt.Sprintf("%-12s caught by %d cases: %s", spec, len(ids), strings.Join(ids, " ")))
	}
	t.Logf("clean libzmq passes %d of %d tcp cases\n%s", len(passing), len(tcpCases), strings.Join(report, "\n"))
}
