//go:build cgo

package faulty

/*
// A real segmentation fault inside C code, where neither Go's recover nor
// its signal handling can turn it into a panic the caller could catch.
static void zh_segv(void) { volatile int *p = 0; *p = 42; }
*/
import "C"

const canSegv = true

func segv() { C.zh_segv() }
