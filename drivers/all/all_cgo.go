//go:build cgo

package all

import (
	_ "github.com/zharness/zharness/drivers/libzmq" // needs libzmq's shared library at run time
)
