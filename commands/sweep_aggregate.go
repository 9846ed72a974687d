package commands

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/bilancio-go/bilancio/internal/report/experiment"
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

  For a paired sweep (comparison or balanced) it rebuilds both arms, then
  aggregate/comparison.csv, aggregate/summary.json and the dashboard.

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
	if _, err := sweep.ReadPairedMeta(pos[0]); err == nil {
		ctx := sweepContext(c.Meta)
		ps, err := sweep.AggregatePaired(ctx, pos[0])
		if err != nil {
			view.Diagnostic("error", "Cannot aggregate the experiment", err.Error())
			return sweepExitError
		}
		for _, st := range ps.Arms {
			renderStatus(c.Meta, view, st, "aggregate_summary")
		}
		if err := experiment.WriteDashboard(ctx, pos[0]); err != nil {
			view.Diagnostic("warning", "Cannot write the dashboard", err.Error())
		}
		if !f.json {
			c.UI.Output(fmt.Sprintf("  %d pairs\n  comparison  %s\n  summary     %s\n  dashboard   %s", ps.Pairs,
				filepath.Join(pos[0], filepath.FromSlash(sweep.ComparisonFile)),
				filepath.Join(pos[0], filepath.FromSlash(sweep.SummaryFile)),
				filepath.Join(pos[0], filepath.FromSlash(sweep.DashboardFile))))
		}
		return sweepExitOK
	}
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
