package commands

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/store"
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

  A run the journal recorded done whose folder has changed since (a file
  edited or removed) is checked in full; if it no longer verifies it is
  named, left out, and run again by the next sweep run. -verify hashes every
  run's files, changed or not.

  For a paired sweep (comparison or balanced) it rebuilds both arms, then
  aggregate/comparison.csv, aggregate/summary.json and the dashboard.

Options:

` + core.Usage(c.flags(new(sweepStatusFlags)))
}

func (c *SweepAggregateCommand) flags(f *sweepStatusFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep aggregate")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per line (docs/json-output.md)")
	fs.BoolVar(&f.verify, "verify", false, "hash every done run's files against their checksums")
	return fs
}

// Run implements cli.Command.
func (c *SweepAggregateCommand) Run(args []string) int {
	boundedGC()
	var f sweepStatusFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()
	if _, err := sweep.ReadPairedMeta(pos[0]); err == nil {
		ctx := sweepContext(c.Meta)
		ps, err := sweep.AggregatePaired(ctx, pos[0], f.verify)
		if err != nil {
			view.Diagnostic("error", "Cannot aggregate the experiment", err.Error())
			return sweepExitError
		}
		for i, st := range ps.Arms {
			if v := ps.Views[i]; v != nil {
				renderDamaged(view, v.Damaged, v.DamagedRuns, "the next sweep run runs it again")
			}
			renderStatus(c.Meta, view, st, "aggregate_summary")
		}
		dashboard := true
		if err := dashboards().WriteDashboard(ctx, pos[0]); err != nil {
			view.Diagnostic("warning", "Cannot write the dashboard", err.Error())
			dashboard = false
		}
		if !f.json {
			out := fmt.Sprintf("  %d pairs\n  comparison  %s\n  summary     %s", ps.Pairs,
				filepath.Join(pos[0], filepath.FromSlash(store.ComparisonFile)),
				filepath.Join(pos[0], filepath.FromSlash(store.SummaryFile)))
			if dashboard {
				out += "\n  dashboard   " + filepath.Join(pos[0], filepath.FromSlash(store.DashboardFile))
			}
			c.UI.Output(out)
		}
		return sweepExitOK
	}
	st, v, err := sweep.Aggregate(sweepContext(c.Meta), pos[0], f.verify)
	if err != nil {
		view.Diagnostic("error", "Cannot aggregate the experiment", err.Error())
		return sweepExitError
	}
	renderDamaged(view, v.Damaged, v.DamagedRuns, "the next sweep run runs it again")
	renderStatus(c.Meta, view, st, "aggregate_summary")
	if !f.json {
		c.UI.Output("  registry  " + filepath.Join(pos[0], filepath.FromSlash(store.RegistryFile)) +
			"\n  results   " + filepath.Join(pos[0], filepath.FromSlash(store.ResultsFile)) +
			"\n  summary   " + filepath.Join(pos[0], filepath.FromSlash(store.SummaryFile)))
	}
	return sweepExitOK
}
