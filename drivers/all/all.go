// Package all links every driver compiled into this build, so importing it
// registers them by name. The libzmq driver needs cgo and is simply absent
// from a CGO_ENABLED=0 build.
package all

import (
	_ "github.com/zharness/zharness/drivers/faulty" // hidden: faulty:FAULT/DRIVER
	_ "github.com/zharness/zharness/drivers/gozmq"  // pure Go: always present
	_ "github.com/zharness/zharness/drivers/remote" // remote:NAME runs NAME in an agent process
)
