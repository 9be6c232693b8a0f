//go:build unix

package accesslog

import (
	"os"
	"syscall"
)

// flock takes an exclusive lock on f, which the kernel releases when f is
// closed or its process dies. Without wait it fails at once if the lock is
// held, even by another open file of this process.
func flock(f *os.File, wait bool) error {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
