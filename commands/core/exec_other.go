//go:build !unix

package core

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// ExecProgram runs path with args on this process's terminal and returns
// its exit code.
func ExecProgram(ui UI, path string, args []string) int {
	// The program gets the terminal's Ctrl-C as this process does; it decides
	// what to do with it, and this process waits for its exit code.
	signal.Ignore(os.Interrupt)
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		ui.Error(fmt.Sprintf("Error: running %s: %v", path, err))
		return 1
	}
	return 0
}
