package conformance

import "errors"

// ErrNoSpecs means the filters selected nothing; the CLI reports it as a
// usage error rather than a silent success.
var ErrNoSpecs = errors.New("no specs match the filters")
