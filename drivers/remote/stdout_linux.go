package remote

import (
	"io"
	"os"
	"syscall"
)

// reserveStdout moves the protocol off file descriptor 1 when out is the
// process's stdout: it returns a duplicate of fd 1 and points fd 1 at
// stderr, so stray prints (a C library's printf, a driver's fmt.Println)
// land in the evidence instead of in the middle of a frame.
func reserveStdout(out io.Writer) io.Writer {
	if f, ok := out.(*os.File); !ok || f.Fd() != 1 {
		return out
	}
	fd, err := syscall.Dup(1)
	if err != nil {
		return out
	}
	if err := syscall.Dup3(2, 1, 0); err != nil {
		syscall.Close(fd)
		return out
	}
	syscall.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), "protocol-out")
}
