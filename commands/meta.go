// Package commands holds bilancio's CLI commands, one file per command. Each
// command parses its flags, calls the internal packages and renders the
// outcome; the logic lives in those packages.
package commands

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/cli"
)

// Meta is what every command shares: the process context (cancelled on the
// first Ctrl-C) and the terminal.
type Meta struct {
	Ctx context.Context
	UI  cli.Ui
}

// Table returns the command table for hashicorp/cli.
func Table(m Meta) map[string]cli.CommandFactory {
	return map[string]cli.CommandFactory{
		"run":     func() (cli.Command, error) { return &RunCommand{Meta: m}, nil },
		"report":  func() (cli.Command, error) { return &ReportCommand{Meta: m}, nil },
		"version": func() (cli.Command, error) { return &VersionCommand{Meta: m}, nil },
		"worker":  func() (cli.Command, error) { return &WorkerCommand{Meta: m}, nil },

		"plugins":          func() (cli.Command, error) { return &PluginsCommand{Meta: m}, nil },
		"plugins list":     func() (cli.Command, error) { return &PluginsListCommand{Meta: m}, nil },
		"plugins describe": func() (cli.Command, error) { return &PluginsDescribeCommand{Meta: m}, nil },
		"plugins install":  func() (cli.Command, error) { return &PluginsInstallCommand{Meta: m}, nil },
		"plugins remove":   func() (cli.Command, error) { return &PluginsRemoveCommand{Meta: m}, nil },

		"ring":          func() (cli.Command, error) { return &RingCommand{Meta: m}, nil },
		"ring generate": func() (cli.Command, error) { return &RingGenerateCommand{Meta: m}, nil },

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
		"validate":                func() (cli.Command, error) { return &ValidateCommand{Meta: m}, nil },
		"analyze":                 func() (cli.Command, error) { return &AnalyzeCommand{Meta: m}, nil },

		"usage":          func() (cli.Command, error) { return &UsageCommand{Meta: m}, nil },
		"volume":         func() (cli.Command, error) { return &VolumeCommand{Meta: m}, nil },
		"volume ls":      func() (cli.Command, error) { return &VolumeLsCommand{Meta: m}, nil },
		"volume get":     func() (cli.Command, error) { return &VolumeGetCommand{Meta: m}, nil },
		"volume rm":      func() (cli.Command, error) { return &VolumeRmCommand{Meta: m}, nil },
		"volume cleanup": func() (cli.Command, error) { return &VolumeCleanupCommand{Meta: m}, nil },
	}
}

// flagSet returns a flag set whose errors and usage go nowhere: commands
// report them through the UI themselves.
func flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// usage renders a command's flags for its Help text.
func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	bools := false
	fs.VisitAll(func(f *flag.Flag) {
		if f.Usage == "" {
			return // a spelling of another flag
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			bools = true
		}
		b.WriteString("  -" + f.Name)
		name, text := flag.UnquoteUsage(f)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("\n      " + text)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && !strings.Contains(f.Usage, "(default") {
			b.WriteString(" (default " + f.DefValue + ")")
		}
		b.WriteString("\n")
	})
	if bools {
		b.WriteString("\n  A boolean option -NAME is also -NAME=false, or -no-NAME as bilancio spells it\n  (--no-NAME); options take one dash or two.\n")
	}
	return b.String()
}

// parseArgs parses flags that may come before, between or after the
// positional arguments (`bilancio run SCENARIO.yaml -out DIR`), and returns
// the positional arguments. A lone "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	addNegations(fs)
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// parseCommand parses a command's flags and positional arguments, and
// reports a usage error (with the command's help) unless there are exactly
// want positional arguments, described by what ("one scenario file"); want
// -1 accepts any number. ok is false when the command must exit 1.
func parseCommand(ui cli.Ui, fs *flag.FlagSet, args []string, help string, want int, what string) (pos []string, ok bool) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		ui.Error(fmt.Sprintf("Error: %v\n\n%s", err, help))
		return nil, false
	}
	if want >= 0 && len(pos) != want {
		ui.Error(fmt.Sprintf("Error: %s needs %s\n\n%s", fs.Name(), what, help))
		return nil, false
	}
	return pos, true
}

// parentRun is the Run of a command that only groups subcommands (`sweep`,
// `plugins`…): it names an unknown subcommand, then asks for the group's
// help, which lists the subcommands and exits 1.
func parentRun(ui cli.Ui, name string, args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ui.Error(fmt.Sprintf("Error: unknown command \"%s %s\"\n", name, args[0]))
	}
	return cli.RunResultHelp
}
