// Package reports holds the results model every part of zharness writes
// and reads: a stream of flat records (JSON lines) behind a versioned
// header. Producers append a record the moment a case or benchmark point
// ends, so an interrupted run keeps everything measured so far; consumers
// (JUnit, HTML, plots, compare) read the file and never call drivers.
package reports
