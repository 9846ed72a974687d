package core

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Program is one of bilancio's binaries: bilancio itself, which serves its
// own commands (Dispatch) and hands the others over to SweepBinary, or
// SweepBinary, which serves every command.
type Program struct {
	// Dispatch runs a command line with the program's commands and
	// returns the exit code.
	Dispatch func(ctx context.Context, args []string) int
	// HandOver hands the commands SweepBinary serves (HandedOver), and
	// shell completion, over to it.
	HandOver bool
	// Cleanup, when set, runs as the program exits and on a second Ctrl-C
	// (bilancio-sweep stops the executor plugins still running).
	Cleanup func()
}

// Run runs a command line (without the program name) and returns the exit
// code.
func (p Program) Run(args []string) int {
	if len(args) > 1 && args[0] == "help" {
		// `bilancio help COMMAND` is `bilancio COMMAND -help`.
		args = append(args[1:len(args):len(args)], "-help")
	}
	if p.HandOver && (HandedOver(args) || completing(args)) {
		return HandOver(&basicUI{in: os.Stdin, out: os.Stdout, errOut: os.Stderr}, args)
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
	return p.Dispatch(ctx, args)
}
