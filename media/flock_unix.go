//go:build unix

package media

import (
	"errors"
	"os"
	"syscall"
)

// tryFileLock takes an exclusive flock(2) on f without waiting. flock
// locks are held by the open file, so two opens in one process exclude each
// other as two processes do; Linux carries them to NFS as POSIX locks.
func tryFileLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
