//go:build unix

package pluginhost

import (
	"errors"
	"fmt"
	"syscall"
)

// killGroup kills the process group led by pid: the plugin and every child
// that did not move to a group of its own. A group already gone is not an
// error.
func killGroup(pid int) error {
	if pid <= 0 {
		return nil
	}
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if err == nil || errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return fmt.Errorf("killing process group %d: %w", pid, err)
}
