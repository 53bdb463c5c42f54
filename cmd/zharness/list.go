package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/suites/conformance"
)

func newListCmd() *cobra.Command {
	var sel selection
	var specs bool
	cmd := &cobra.Command{
		Use:   "list [cases|specs|drivers|transports]",
		Short: "List cases (or specs, drivers, transports) selected by the filters",
		Example: `  zharness list                       # every case with its clause and grade
  zharness list --pattern pubsub
  zharness list specs --pair gozmq:libzmq --transport tcp
  zharness list drivers`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"cases", "specs", "drivers", "transports"},
		RunE: func(cmd *cobra.Command, args []string) error {
			what := "cases"
			if len(args) == 1 {
				what = args[0]
			}
			out := cmd.OutOrStdout()
			switch what {
			case "drivers":
				for _, n := range drivers.Names() {
					fmt.Fprintln(out, n)
				}
				return nil
			case "transports":
				for _, t := range drivers.AllTransports {
					fmt.Fprintln(out, t)
				}
				return nil
			case "cases", "specs":
				specs = what == "specs"
			default:
				return usageErr("list %q: expected one of cases, specs, drivers, transports", what)
			}
			cases, err := loadCases(sel.scenarios)
			if err != nil {
				return err
			}
			f, err := sel.filter()
			if err != nil {
				return err
			}
			plan, err := conformance.Plan(cases, f)
			if err != nil {
				return usageWrap(err)
			}
			if plan, err = applyLabelFilter(plan, sel.labelFilter); err != nil {
				return err
			}
			if len(plan) == 0 {
				return usageErr("no cases match the filters")
			}
			tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			if specs {
				for _, s := range plan {
					fmt.Fprintf(tw, "%s\t%s:%s\t%s\n", s.Case.ID, s.Subject, s.Peer, s.Transport)
				}
				fmt.Fprintf(tw, "%d specs\n", len(plan))
				return tw.Flush()
			}
			seen := map[string]bool{}
			n := 0
			for _, s := range plan {
				if seen[s.Case.ID] {
					continue
				}
				seen[s.Case.ID] = true
				n++
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Case.ID, s.Case.Clause, s.Case.Grade, s.Case.Title)
			}
			fmt.Fprintf(tw, "%d cases\n", n)
			return tw.Flush()
		},
	}
	sel.register(cmd.Flags())
	return cmd
}
