package main

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill VictoriaLogs if the demo dies without
// stopping it (a SIGKILL, a crash), so nothing is left running.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
