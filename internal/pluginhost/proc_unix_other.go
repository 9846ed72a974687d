//go:build unix && !linux

package pluginhost

import (
	"errors"
	"syscall"
)

// sysProcAttr puts the plugin in a process group of its own, so that Close
// can kill it with its children. (Only Linux has a parent-death signal; the
// SDK's watchdog covers the other systems.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// processDead reports whether pid has gone. A zombie still counts as
// running here; callers fall back on go-plugin's Exited.
func processDead(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
