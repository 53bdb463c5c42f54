package conformance_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	_ "github.com/zharness/zharness/drivers/all"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
	"github.com/zharness/zharness/suites/conformance"
)

// TestConformance runs the default matrix (every embedded case × every
// ordered pair of conformance drivers × transport) with the project's
// expectations, as `zharness conformance` does, one child process per
// spec. Select with Ginkgo's flags, e.g.
//
//	go test ./suites/conformance -args -ginkgo.label-filter='pattern:pubsub && transport:tcp'
//
// With -short and no filter it runs the libzmq:libzmq tcp slice. Records go
// to $ZH_RESULTS when set, else to the test's temp dir.
func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	cases, err := scenarios.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	exp, err := conformance.LoadExpectations(filepath.Join("..", "..", "ci", "expectations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := os.Getenv("ZH_RESULTS")
	if out == "" {
		out = filepath.Join(t.TempDir(), "results.jsonl")
	}
	w, err := reports.Create(out, reports.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	st, err := conformance.Register(&conformance.Config{
		Cases:        cases,
		Filter:       conformance.Filter{Drivers: conformance.DefaultDrivers()},
		Expectations: exp,
		Emit:         w.Add,
		Isolation:    testIsolation(),
	})
	if err != nil {
		t.Fatal(err)
	}
	suiteCfg, repCfg := GinkgoConfiguration()
	if testing.Short() && suiteCfg.LabelFilter == "" {
		// The full matrix runs through the zharness binary in `make test`
		// (sharded across processes); -short keeps a quick, complete slice.
		suiteCfg.LabelFilter = "subject:libzmq && peer:libzmq && transport:tcp"
	}
	RunSpecs(t, "Conformance", suiteCfg, repCfg)
	if len(st.HarnessErrors) > 0 {
		t.Errorf("harness errors: %v", st.HarnessErrors)
	}
	_ = Expect
}
