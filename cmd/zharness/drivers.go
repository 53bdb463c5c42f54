package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/zharness/zharness/drivers"
)

func newDriversCmd() *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "drivers",
		Short: "List the compiled-in drivers with their implementation versions",
		Example: `  zharness drivers
  zharness drivers -v     # with capabilities`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "DRIVER\tSTATUS\tIMPLEMENTATION")
			for _, name := range drivers.Names() {
				d, err := drivers.Lookup(name)
				if err != nil {
					fmt.Fprintf(tw, "%s\tunavailable\t%v\n", name, err)
					continue
				}
				status := "available"
				if drivers.IsOptIn(name) {
					status = "available (opt-in: named with --driver/--pair)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\n", name, status, d.Version())
				if verbose {
					c := d.Capabilities()
					fmt.Fprintf(tw, "\tsockets\t%s\n", join(c.Sockets))
					fmt.Fprintf(tw, "\ttransports\t%s\n", join(c.Transports))
					fmt.Fprintf(tw, "\toptions\t%s\n", join(c.Options))
					if len(c.Features) > 0 {
						fmt.Fprintf(tw, "\tfeatures\t%s\n", strings.Join(c.Features, " "))
					}
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show capabilities")
	return cmd
}

func join[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = string(x)
	}
	return strings.Join(s, " ")
}
