package conformance_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/zharness/zharness/drivers"
	_ "github.com/zharness/zharness/drivers/all"
	"github.com/zharness/zharness/reports"
	"github.com/zharness/zharness/scenarios"
	"github.com/zharness/zharness/suites/conformance"
)

// TestConformance runs the default matrix (every embedded case × every
// ordered pair of compiled-in drivers × transport) with the project's
// expectations, exactly as `zharness conformance` does. Records go to
// $ZH_RESULTS when set, else to the test's temp dir.
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
		Filter:       conformance.Filter{Drivers: drivers.Names()},
		Expectations: exp,
		Emit:         w.Add,
		Isolation:    testIsolation(),
	})
	if err != nil {
		t.Fatal(err)
	}
	RunSpecs(t, "Conformance")
	if len(st.HarnessErrors) > 0 {
		t.Errorf("harness errors: %v", st.HarnessErrors)
	}
	_ = Expect
}
