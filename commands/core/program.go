package core

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/internal/version"
)

// Program is one of bilancio's binaries: bilancio itself, which serves
// Commands and hands the other commands over to SweepBinary, or
// SweepBinary, which serves every command.
type Program struct {
	// Table is the program's command table.
	Table func(Meta) map[string]cli.CommandFactory
	// HandOver hands the commands SweepBinary serves (HandedOver) over to it.
	HandOver bool
	// Cleanup, when set, runs as the program exits and on a second Ctrl-C
	// (bilancio-sweep stops the executor plugins still running).
	Cleanup func()
}

// Run runs a command line (without the program name) and returns the exit
// code.
func (p Program) Run(args []string) int {
	ui := &cli.BasicUi{Reader: os.Stdin, Writer: os.Stdout, ErrorWriter: os.Stderr}
	if len(args) > 1 && args[0] == "help" {
		// `bilancio help COMMAND` is `bilancio COMMAND -help`.
		args = append(args[1:len(args):len(args)], "-help")
	}
	if p.HandOver && HandedOver(args) {
		return HandOver(ui, args)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if p.Cleanup != nil {
		defer p.Cleanup()
	}
	// The first Ctrl-C cancels the work in progress, which then stops cleanly;
	// a second one exits at once.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "\nInterrupt received: stopping (press Ctrl-C again to exit now)")
		cancel()
		<-signals
		if p.Cleanup != nil {
			p.Cleanup()
		}
		os.Exit(130)
	}()

	c := cli.NewCLI("bilancio", version.Version())
	c.Args = args
	c.Commands = p.Table(Meta{Ctx: ctx, UI: ui})
	c.HiddenCommands = []string{"dev"} // development helpers (the Modal emulator)
	c.HelpWriter = os.Stdout
	c.ErrorWriter = os.Stderr

	code, err := c.Run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bilancio: %v\n", err)
		return 1
	}
	if code == 127 {
		// hashicorp/cli found no command: it printed the usage; say why and
		// exit as any usage error does.
		if sub := c.Subcommand(); sub != "" && sub != "help" {
			fmt.Fprintf(os.Stderr, "bilancio: unknown command %q (see the commands above)\n", sub)
		}
		return 1
	}
	return code
}
