package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/zharness/zharness/scenarios"
)

func newValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [PATH...]",
		Short: "Check scenario files and report every problem with file:line:col",
		Long: `validate loads scenario files or directories (default: the scenarios embedded in
the binary) and prints every problem found, one per line, as file:line:col: message.
It exits 2 when any file is invalid.`,
		Example: `  zharness validate
  zharness validate scenarios/conformance/reqrep
  zharness validate my-case.yaml`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cases, err := loadCases(args)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d cases valid\n", len(cases))
			return nil
		},
	}
}

// loadCases loads the given paths, or the embedded scenarios when none.
// Problems become a usage error (exit 2) listing all of them.
func loadCases(paths []string) ([]*scenarios.Case, error) {
	var cases []*scenarios.Case
	var err error
	if len(paths) == 0 {
		cases, err = scenarios.LoadDefault()
	} else {
		cases, err = scenarios.LoadPaths(paths...)
	}
	if err != nil {
		return nil, usageErr("invalid scenarios:\n%v", err)
	}
	return cases, nil
}
