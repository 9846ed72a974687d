package commands

import (
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/modalemu"
)

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

  Starts internal/modalemu, a Modal-protocol emulator that runs sandboxes
  as local processes and keeps volumes as local folders, on a free port of
  127.0.0.1, prints the environment that points the modal executor at it
  (MODAL_SERVER_URL=..., one per line) and serves until interrupted. It
  accepts only the -token-id and -token-secret given here.

Options:

` + usage(c.flags(new(devModalEmulatorFlags)))
}

// devModalEmulatorFlags are dev modal-emulator's flags.
type devModalEmulatorFlags struct {
	tokenID, tokenSecret, root string
}

func (c *DevModalEmulatorCommand) flags(f *devModalEmulatorFlags) *flag.FlagSet {
	fs := flagSet("dev modal-emulator")
	fs.StringVar(&f.tokenID, "token-id", "emulator-token-id", "the token id the emulator accepts")
	fs.StringVar(&f.tokenSecret, "token-secret", "emulator-token-secret", "the token secret the emulator accepts")
	fs.StringVar(&f.root, "root", "", "the folder holding volumes and sandboxes (default: a temporary one, removed on exit)")
	return fs
}

// Run implements cli.Command.
func (c *DevModalEmulatorCommand) Run(args []string) int {
	var f devModalEmulatorFlags
	fs := c.flags(&f)
	if _, ok := parseCommand(c.UI, fs, args, c.Help(), 0, "no arguments"); !ok {
		return 1
	}
	ctx := sweepContext(c.Meta)
	srv, err := modalemu.Start(ctx, modalemu.Options{TokenID: f.tokenID, TokenSecret: f.tokenSecret, Root: f.root})
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: starting the emulator: %v", err))
		return 1
	}
	defer srv.Close()
	c.UI.Output("MODAL_SERVER_URL=" + srv.URL())
	c.UI.Output("MODAL_TOKEN_ID=" + f.tokenID)
	c.UI.Output("MODAL_TOKEN_SECRET=" + f.tokenSecret)
	<-ctx.Done()
	return 0
}
