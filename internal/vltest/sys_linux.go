package vltest

import (
	"os"
	"os/exec"
	"syscall"
)

// lockFile takes an exclusive flock on path, blocking until it is free. The
// kernel drops the lock if the process dies, so a killed test run cannot
// leave a stale lock behind.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// setProcAttr makes the kernel SIGKILL the server if the test process dies
// without running its cleanups (a -timeout panic, a SIGKILL), so no orphaned
// VictoriaLogs keeps running and holding ports.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
