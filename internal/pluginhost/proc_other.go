//go:build !unix

package pluginhost

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// sysProcAttr has nothing to set where there are no process groups.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// processDead cannot tell here; callers rely on go-plugin's Exited.
func processDead(int) bool { return false }

// killGroup kills the plugin process (without process groups its children
// are the plugin's own business).
func killGroup(pid int) error {
	if pid <= 0 {
		return nil
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil
	}
	if err := p.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing process %d: %w", pid, err)
	}
	return nil
}
