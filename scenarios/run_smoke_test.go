package scenarios_test

import (
	"context"
	"flag"
	"path"
	"testing"

	"github.com/zharness/zharness/drivers"
	_ "github.com/zharness/zharness/drivers/gozmq"
	_ "github.com/zharness/zharness/drivers/libzmq"
	"github.com/zharness/zharness/scenarios"
)

var devCase = flag.String("case", "", "glob of case ids for TestDevMatrix (developer aid)")

// TestDevMatrix runs the embedded cases matching -case over every pairing
// and transport and logs each verdict. It is a developer aid for writing
// scenarios (go test ./scenarios -run DevMatrix -case 'pubsub.*' -v); the
// graded matrix itself runs in suites/conformance.
func TestDevMatrix(t *testing.T) {
	if *devCase == "" {
		t.Skip("developer aid: pass -case GLOB")
	}
	cases, err := scenarios.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	eps, err := drivers.NewEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	defer eps.Close()
	for _, names := range [][2]string{{"libzmq", "libzmq"}, {"gozmq", "gozmq"}, {"gozmq", "libzmq"}, {"libzmq", "gozmq"}} {
		s, _ := drivers.Lookup(names[0])
		p, _ := drivers.Lookup(names[1])
		for _, c := range cases {
			if ok, _ := path.Match(*devCase, c.ID); !ok {
				continue
			}
			for _, tr := range drivers.AllTransports {
				rec := scenarios.Run(context.Background(), c, scenarios.Pairing{Subject: s, Peer: p}, tr, scenarios.Options{Endpoints: eps})
				t.Logf("%-34s %-14s %-6s %-13s %6v %s exp=%q act=%q", c.ID, names[0]+":"+names[1], tr, rec.Verdict, rec.Duration.Round(1e6), rec.Reason, rec.Expected, rec.Actual)
				if testing.Verbose() && rec.Verdict != "PASS" && rec.Verdict != "N/A" {
					for _, e := range rec.Events {
						t.Logf("    %8v %-6s %-10s %s %s", e.At.Round(1e5), e.Role, e.Op, e.Detail, e.Err)
					}
				}
			}
		}
	}
}
