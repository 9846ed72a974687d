//go:build unix

package core

import (
	"fmt"
	"os"
	"syscall"
)

// ExecProgram replaces this process with path, given args: the program
// gets bilancio's process id, terminal and signals, as if it had been run
// directly. It returns only when the program could not be started.
func ExecProgram(ui UI, path string, args []string) int {
	err := syscall.Exec(path, append([]string{path}, args...), os.Environ())
	ui.Error(fmt.Sprintf("Error: running %s: %v", path, err))
	return 1
}
