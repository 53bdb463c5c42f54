//go:build race

package scenarios_test

// raceFactor scales time bounds: the race detector slows the parser.
const raceFactor = 10
