//go:build !unix

package commands

import (
	"errors"
	"fmt"
	"os"
	"os/exec"

	"github.com/hashicorp/cli"
)

// execProgram runs path with args on this process's terminal and returns
// its exit code.
func execProgram(ui cli.Ui, path string, args []string) int {
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
