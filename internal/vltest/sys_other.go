//go:build !linux

package vltest

import (
	"os/exec"
	"time"
)

// lockFile does not lock outside Linux; concurrent builds are still safe
// because scripts/victorialogs.sh renames the finished binary into place.
func lockFile(string) (func(), error) { return func() {}, nil }

func setProcAttr(*exec.Cmd) {}

func processCPUTime(int) time.Duration { return 0 }
