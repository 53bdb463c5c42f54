//go:build cgo

package libzmq

import (
	"testing"

	"github.com/zharness/zharness/drivers"
	"github.com/zharness/zharness/drivers/drivertest"
)

// TestContract runs the shared driver contract checks on "libzmq".
func TestContract(t *testing.T) {
	d, err := drivers.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	drivertest.Run(t, d)
}
