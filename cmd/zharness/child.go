package main

import (
	"os"
	"os/exec"

	"github.com/spf13/cobra"
	"github.com/zharness/zharness/suites/conformance"
)

// newSpecChildCmd is the internal command an isolated spec runs in.
func newSpecChildCmd() *cobra.Command {
	return &cobra.Command{
		Use:                "spec-child",
		Short:              "Internal: run one conformance spec and print its record",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := conformance.ChildMain(args, cmd.OutOrStdout()); err != nil {
				return internalErr(err)
			}
			return nil
		},
	}
}

// selfIsolation starts isolated specs as `zharness spec-child ...`.
func selfIsolation(paths []string) (*conformance.Isolation, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return &conformance.Isolation{
		Command:   func(args ...string) *exec.Cmd { return exec.Command(self, append([]string{"spec-child"}, args...)...) },
		Scenarios: paths,
	}, nil
}

func init() { extraCommands = append(extraCommands, newSpecChildCmd) }
