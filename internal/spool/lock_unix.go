//go:build unix

package spool

import (
	"errors"
	"syscall"
)

// tryLock takes an exclusive advisory lock on f without waiting. It reports
// errLocked if another open file holds it (in this process or another):
// flock locks belong to the open file, so a second open in the same
// process conflicts too. The kernel drops the lock when the process dies,
// so a crash never leaves a stale lock behind.
func tryLock(f file) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}
