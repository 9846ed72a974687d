// Command bilancio simulates payment systems — agents with balance sheets,
// payables falling due, settlement and defaults — compatibly with the Python
// project bilancio. Run `bilancio -help` for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/commands"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
	"github.com/bilancio-go/bilancio/internal/version"
)

// pluginCleanupTimeout bounds the stopping of executor plugins at exit.
const pluginCleanupTimeout = 5 * time.Second

func main() {
	os.Exit(realMain())
}

func realMain() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Executor plugins still running when bilancio exits are stopped
	// (commands close the plugins they open; this is the safety net).
	defer pluginhost.Cleanup(pluginCleanupTimeout)

	// The first Ctrl-C cancels the work in progress, which then stops cleanly;
	// a second one exits at once.
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-signals
		fmt.Fprintln(os.Stderr, "\nInterrupt received: stopping (press Ctrl-C again to exit now)")
		cancel()
		<-signals
		pluginhost.Cleanup(pluginCleanupTimeout)
		os.Exit(130)
	}()

	ui := &cli.BasicUi{Reader: os.Stdin, Writer: os.Stdout, ErrorWriter: os.Stderr}
	meta := commands.Meta{Ctx: ctx, UI: ui}

	c := cli.NewCLI("bilancio", version.Version())
	c.Args = os.Args[1:]
	if len(c.Args) > 1 && c.Args[0] == "help" {
		// `bilancio help COMMAND` is `bilancio COMMAND -help`.
		c.Args = append(c.Args[1:len(c.Args):len(c.Args)], "-help")
	}
	c.Commands = commands.Table(meta)
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
