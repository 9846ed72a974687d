package commands

import (
	"github.com/bilancio-go/bilancio/commands/core"
)

// emulatorBinary is the program `bilancio dev modal-emulator` runs: the
// Modal emulator is a binary of its own (cmd/bilancio-modal-emulator, built
// beside bilancio by `make build`), so that bilancio does not link Modal's
// protocol and pay for it at every start.
const emulatorBinary = "bilancio-modal-emulator"

// DevModalEmulatorCommand is `bilancio dev modal-emulator`: a Modal-protocol
// emulator on 127.0.0.1, for trying the modal executor without Modal
// (`make run-modal-demo`). It is a development aid, not part of the product.
type DevModalEmulatorCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *DevModalEmulatorCommand) Synopsis() string {
	return "Run a local Modal emulator for trying the modal executor (development)"
}

// Help implements cli.Command.
func (c *DevModalEmulatorCommand) Help() string {
	return `Usage: bilancio dev modal-emulator [options]

  Runs ` + emulatorBinary + ` (built beside bilancio by make build) with
  these options: an emulator of Modal's control plane and task command
  router that runs sandboxes as local processes and keeps volumes as local
  folders with Modal's commit semantics, on a free port of 127.0.0.1. It
  prints the environment that points the modal executor (and Modal's Go
  SDK) at it (MODAL_SERVER_URL=..., one per line) and serves until
  interrupted.

Options (` + emulatorBinary + ` -help describes them):

  -token-id, -token-secret    the only credentials it accepts
  -root DIR                   where volumes and sandboxes live (default: temporary)
  -isolation auto|isolated|mapped
  -max-sandboxes N, -capacity-wait D, -cold-start D, -image-build D
`
}

// Run implements cli.Command.
func (c *DevModalEmulatorCommand) Run(args []string) int {
	path, err := core.FindProgram(emulatorBinary)
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	return core.ExecProgram(c.UI, path, args)
}
