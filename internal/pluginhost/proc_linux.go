//go:build linux

package pluginhost

import (
	"bytes"
	"fmt"
	"os"
	"syscall"
)

// sysProcAttr puts the plugin in a process group of its own, so that Close
// can kill it with its children, and has the kernel kill it when the host
// dies. (Strictly, Pdeathsig fires when the OS thread that started the
// plugin exits; Go only ends threads whose goroutine locked them and exited,
// which the host does not do.)
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// processDead reports whether pid has exited (gone, or a zombie not yet
// reaped).
func processDead(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	switch stat[i+2] {
	case 'Z', 'X', 'x':
		return true
	}
	return false
}
