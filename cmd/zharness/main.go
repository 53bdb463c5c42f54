// Command zharness runs conformance and performance tests against ZeroMQ
// implementations and writes reports. Each subcommand parses its flags and
// calls one library function; no verdict or statistics logic lives here.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	_ "github.com/zharness/zharness/drivers/all"
)

// Exit codes (documented in the README and in `zharness --help`).
const (
	exitOK         = 0 // everything as expected
	exitUnexpected = 1 // results differ from expectations, or compare found a regression
	exitUsage      = 2 // bad flag, bad scenario, unknown driver, empty selection
	exitInternal   = 3 // the harness itself failed
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

func usageWrap(err error) error { return &exitError{exitUsage, err} }

func internalErr(err error) error { return &exitError{exitInternal, err} }

// errUnexpected signals exit status 1 after the output is written.
var errUnexpected = &exitError{exitUnexpected, errors.New("results differ from expectations")}

func main() {
	os.Exit(execute(os.Args[1:]))
}

func execute(args []string) int {
	root := newRoot()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee != errUnexpected {
			fmt.Fprintln(os.Stderr, "zharness:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors are flag and argument problems.
	fmt.Fprintln(os.Stderr, "zharness:", err)
	return exitUsage
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "zharness",
		Short: "Conformance and performance test harness for ZeroMQ implementations",
		Long: `zharness checks ZeroMQ implementations against the RFCs (graded, cited verdicts for
every socket pattern × transport × driver pairing) and measures their latency and
throughput, then writes JSON results, JUnit, an HTML report and plots.

Exit status: 0 everything as expected; 1 unexpected results (conformance differs
from expectations, or compare found a regression); 2 usage or input error (bad flag,
bad scenario, unknown driver, empty selection); 3 internal error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newDriversCmd(), newValidateCmd(), newListCmd(), newConformanceCmd(),
		newVersionCmd())
	for _, c := range extraCommands {
		root.AddCommand(c())
	}
	return root
}

// extraCommands lets files add subcommands without editing newRoot.
var extraCommands []func() *cobra.Command
