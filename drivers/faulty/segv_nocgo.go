//go:build !cgo

package faulty

const canSegv = false

func segv() { panic("faulty: segv needs cgo") }
