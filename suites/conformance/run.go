package conformance

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL
	"github.com/onsi/ginkgo/v2/types"
)

// RunOptions are the Ginkgo settings the CLI exposes.
type RunOptions struct {
	LabelFilter string // Ginkgo label filter, e.g. "transport:tcp && !grade:MAY"
	JSONReport  string // Ginkgo's JSON report file, if set
	Verbose     bool
}

// ValidateLabelFilter checks a label filter before Ginkgo sees it (Ginkgo
// exits the process on a bad one).
func ValidateLabelFilter(f string) error {
	if f == "" {
		return nil
	}
	if _, err := types.ParseLabelFilter(f); err != nil {
		return fmt.Errorf("--label-filter %q: %v", f, err)
	}
	return nil
}

// testingT is the GinkgoTestingT of a run inside the zharness binary.
type testingT struct{ failed bool }

func (t *testingT) Fail() { t.failed = true }

// Run registers and runs the suite inside the calling process. Ginkgo
// allows one run per process; the CLI runs one.
func Run(cfg *Config, ro RunOptions) (*State, error) {
	if err := ValidateLabelFilter(ro.LabelFilter); err != nil {
		return nil, err
	}
	st, err := Register(cfg)
	if err != nil {
		return nil, err
	}
	if len(st.Specs) == 0 {
		return st, ErrNoSpecs
	}
	suiteCfg, repCfg := GinkgoConfiguration()
	suiteCfg.LabelFilter = ro.LabelFilter
	repCfg.JSONReport = ro.JSONReport
	repCfg.Succinct = !ro.Verbose
	repCfg.Verbose = ro.Verbose
	repCfg.SilenceSkips = true
	RunSpecs(&testingT{}, "zharness conformance", suiteCfg, repCfg)
	return st, nil
}
