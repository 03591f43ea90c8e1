//go:build unix

package dynamodb

import (
	"os"
	"syscall"
)

// lockExclusive takes a non-blocking exclusive flock; it fails while another
// open file description (another Server, in this or another process) holds it.
func lockExclusive(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

func unlock(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
