package commands

import (
	"flag"
	"fmt"
	"time"

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

  Starts internal/modalemu, an emulator of Modal's control plane and task
  command router that runs sandboxes as local processes (in mount
  namespaces of their own when run as root on Linux) and keeps volumes as
  local folders with Modal's commit semantics, on a free port of
  127.0.0.1, prints the environment that points the modal executor (and
  Modal's Go SDK) at it (MODAL_SERVER_URL=..., one per line) and serves
  until interrupted. It accepts only the -token-id and -token-secret given
  here.

Options:

` + usage(c.flags(new(devModalEmulatorFlags)))
}

// devModalEmulatorFlags are dev modal-emulator's flags.
type devModalEmulatorFlags struct {
	tokenID, tokenSecret, root, isolation string
	maxSandboxes                          int
	coldStart, imageBuild, capacityWait   time.Duration
}

func (c *DevModalEmulatorCommand) flags(f *devModalEmulatorFlags) *flag.FlagSet {
	fs := flagSet("dev modal-emulator")
	fs.StringVar(&f.tokenID, "token-id", "emulator-token-id", "the token id the emulator accepts")
	fs.StringVar(&f.tokenSecret, "token-secret", "emulator-token-secret", "the token secret the emulator accepts")
	fs.StringVar(&f.root, "root", "", "the folder holding volumes and sandboxes (default: a temporary one, removed on exit)")
	fs.StringVar(&f.isolation, "isolation", "auto", "how sandboxes run: auto, isolated (own mount namespace, needs root on Linux) or mapped")
	fs.IntVar(&f.maxSandboxes, "max-sandboxes", 0, "sandboxes running at once; creates past it wait, then fail with RESOURCE_EXHAUSTED (0: no limit)")
	fs.DurationVar(&f.capacityWait, "capacity-wait", 0, "how long a create waits for capacity (default 30s)")
	fs.DurationVar(&f.coldStart, "cold-start", 0, "time from scheduling to a running sandbox")
	fs.DurationVar(&f.imageBuild, "image-build", 0, "time to build one new image layer")
	return fs
}

// Run implements cli.Command.
func (c *DevModalEmulatorCommand) Run(args []string) int {
	var f devModalEmulatorFlags
	fs := c.flags(&f)
	if _, ok := parseCommand(c.UI, fs, args, c.Help(), 0, "no arguments"); !ok {
		return 1
	}
	iso, ok := map[string]modalemu.Isolation{"auto": modalemu.IsolationAuto, "isolated": modalemu.IsolationRequired, "mapped": modalemu.IsolationOff}[f.isolation]
	if !ok {
		c.UI.Error(fmt.Sprintf("Error: -isolation must be auto, isolated or mapped, got %q", f.isolation))
		return 1
	}
	ctx := sweepContext(c.Meta)
	srv, err := modalemu.Start(ctx, modalemu.Options{
		TokenID: f.tokenID, TokenSecret: f.tokenSecret, Root: f.root, Isolation: iso,
		MaxSandboxes: f.maxSandboxes, CapacityWait: f.capacityWait, ColdStart: f.coldStart, ImageBuild: f.imageBuild,
	})
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
