package commands

import (
	"flag"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepAggregateCommand is `bilancio sweep aggregate DIR`.
type SweepAggregateCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepAggregateCommand) Synopsis() string {
	return "Rebuild an experiment's registry and aggregate files from its runs"
}

// Help implements cli.Command.
func (c *SweepAggregateCommand) Help() string {
	return `Usage: bilancio sweep aggregate [options] DIR

  Rebuilds registry/experiments.csv, aggregate/results.csv (bilancio's
  aggregate_runs) and aggregate/summary.json of an experiment folder from
  its runs: a run is listed as completed when its manifest verifies. sweep
  run does this itself at the end; this command is for a folder whose runs
  were copied in, removed or repaired.

Options:

` + usage(c.flags(new(sweepStatusFlags)))
}

func (c *SweepAggregateCommand) flags(f *sweepStatusFlags) *flag.FlagSet {
	fs := flagSet("sweep aggregate")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	return fs
}

// Run implements cli.Command.
func (c *SweepAggregateCommand) Run(args []string) int {
	var f sweepStatusFlags
	fs := c.flags(&f)
	pos, ok := parseCommand(c.UI, fs, args, c.Help(), 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	st, err := sweep.Aggregate(sweepContext(c.Meta), pos[0])
	if err != nil {
		view.Diagnostic("error", "Cannot aggregate the experiment", err.Error())
		return sweepExitError
	}
	renderStatus(c.Meta, view, st, "aggregate_summary")
	if !f.json {
		c.UI.Output("  registry  " + filepath.Join(pos[0], filepath.FromSlash(sweep.RegistryFile)) +
			"\n  results   " + filepath.Join(pos[0], filepath.FromSlash(sweep.ResultsFile)) +
			"\n  summary   " + filepath.Join(pos[0], filepath.FromSlash(sweep.SummaryFile)))
	}
	return sweepExitOK
}
