// Package commands holds the commands bilancio hands over to its sibling
// binary bilancio-sweep (cmd/bilancio-sweep): sweeps, executor plugins,
// Modal volumes, usage, the worker and the development helpers, one file
// per command. Each command parses its flags, calls the internal packages
// and renders the outcome; the logic lives in those packages. The commands
// bilancio serves itself, and what every command shares (Meta, flag
// parsing), are in commands/core.
package commands

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/cli"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/version"
)

// Meta is what every command shares (core.Meta).
type Meta = core.Meta

// Table returns the command table of bilancio-sweep for hashicorp/cli: the
// commands bilancio hands over to it (core.HandedOver), which link what
// `bilancio run` does not need — executor plugins and their gRPC, HCL
// sweep files, Parquet, the dashboards' figures — and the commands bilancio
// serves itself (core.Commands), so that bilancio-sweep is the whole of
// bilancio.
func Table(m Meta) map[string]cli.CommandFactory {
	t := map[string]cli.CommandFactory{
		"worker": func() (cli.Command, error) { return &WorkerCommand{Meta: m}, nil },

		"plugins":          func() (cli.Command, error) { return &PluginsCommand{Meta: m}, nil },
		"plugins list":     func() (cli.Command, error) { return &PluginsListCommand{Meta: m}, nil },
		"plugins describe": func() (cli.Command, error) { return &PluginsDescribeCommand{Meta: m}, nil },
		"plugins install":  func() (cli.Command, error) { return &PluginsInstallCommand{Meta: m}, nil },
		"plugins remove":   func() (cli.Command, error) { return &PluginsRemoveCommand{Meta: m}, nil },

		"sweep":              func() (cli.Command, error) { return &SweepCommand{Meta: m}, nil },
		"sweep run":          func() (cli.Command, error) { return &SweepRunCommand{Meta: m}, nil },
		"sweep ring":         func() (cli.Command, error) { return &SweepRingCommand{Meta: m}, nil },
		"sweep comparison":   func() (cli.Command, error) { return &SweepComparisonCommand{Meta: m}, nil },
		"sweep balanced":     func() (cli.Command, error) { return &SweepBalancedCommand{Meta: m}, nil },
		"sweep plan":         func() (cli.Command, error) { return &SweepPlanCommand{Meta: m}, nil },
		"sweep estimate":     func() (cli.Command, error) { return &SweepEstimateCommand{Meta: m}, nil },
		"dev modal-emulator": func() (cli.Command, error) { return &DevModalEmulatorCommand{Meta: m}, nil },
		"sweep validate":     func() (cli.Command, error) { return &SweepValidateCommand{Meta: m}, nil },
		"sweep status":       func() (cli.Command, error) { return &SweepStatusCommand{Meta: m}, nil },
		"sweep attach":       func() (cli.Command, error) { return &SweepAttachCommand{Meta: m}, nil },
		"sweep cancel":       func() (cli.Command, error) { return &SweepCancelCommand{Meta: m}, nil },
		"sweep aggregate":    func() (cli.Command, error) { return &SweepAggregateCommand{Meta: m}, nil },
		"sweep report":       func() (cli.Command, error) { return &SweepReportCommand{Meta: m}, nil },
		"sweep export":       func() (cli.Command, error) { return &SweepExportCommand{Meta: m}, nil },
		"sweep compare":      func() (cli.Command, error) { return &SweepCompareCommand{Meta: m}, nil },

		"sweep strategy-outcomes": func() (cli.Command, error) { return &SweepStrategyOutcomesCommand{Meta: m}, nil },
		"sweep dealer-usage":      func() (cli.Command, error) { return &SweepDealerUsageCommand{Meta: m}, nil },

		"usage":          func() (cli.Command, error) { return &UsageCommand{Meta: m}, nil },
		"volume":         func() (cli.Command, error) { return &VolumeCommand{Meta: m}, nil },
		"volume ls":      func() (cli.Command, error) { return &VolumeLsCommand{Meta: m}, nil },
		"volume get":     func() (cli.Command, error) { return &VolumeGetCommand{Meta: m}, nil },
		"volume rm":      func() (cli.Command, error) { return &VolumeRmCommand{Meta: m}, nil },
		"volume cleanup": func() (cli.Command, error) { return &VolumeCleanupCommand{Meta: m}, nil },
	}
	// And the commands bilancio serves itself, so that bilancio-sweep is
	// the whole of bilancio.
	for name, f := range core.Commands(m) {
		if _, ok := t[name]; !ok {
			t[name] = func() (cli.Command, error) { return f() }
		}
	}
	return t
}

// Dispatch runs a command line (without the program name) with Table on
// the process's terminal, through hashicorp/cli (which also answers shell
// completion: bilancio hands it over here), and returns the exit code: a
// usage error (no command, or an unknown one) is 1.
func Dispatch(ctx context.Context, args []string) int {
	ui := &cli.BasicUi{Reader: os.Stdin, Writer: os.Stdout, ErrorWriter: os.Stderr}
	c := cli.NewCLI("bilancio", version.Version())
	c.Args = args
	c.Commands = Table(Meta{Ctx: ctx, UI: ui})
	c.HiddenCommands = core.HiddenCommands()
	c.HelpWriter = os.Stdout
	c.ErrorWriter = os.Stderr

	code, err := c.Run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "bilancio: %v\n", err)
		return 1
	}
	return core.NoCommand(code, c.Subcommand(), os.Stderr)
}
