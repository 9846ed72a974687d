package commands

import (
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/export"
	"github.com/bilancio-go/bilancio/internal/pluginhost"
)

// SweepExportCommand is `bilancio sweep export DIR -format parquet|csv`.
type SweepExportCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepExportCommand) Synopsis() string {
	return "Export an experiment's results as tidy tables (Parquet or CSV)"
}

type sweepExportFlags struct {
	format, out string
	events      bool
}

// Help implements cli.Command.
func (c *SweepExportCommand) Help() string {
	var f sweepExportFlags
	return `Usage: bilancio sweep export [options] DIR

  Writes the results of the experiment in DIR as tidy tables, one file each,
  into DIR/export (or -out):

    runs     one row per run: parameters, seed, replicate, status, executor,
             duration, cost and every summary metric (phi_total,
             delta_total, ...); cost is the run's share of the measured cost
             of the machines its executor reported, by duration (empty for
             local runs)
    days     one row per run and day: the day metrics of metrics.csv
    events   with -events: one row per event of every run (its record as
             JSON in the event column)
    pairs    for a paired sweep (comparison, balanced): one row per pair, as
             aggregate/comparison.csv; runs, days and events get an arm
             column
    usage    when the executor reported the machines it used (Modal): one
             row per machine, as usage.csv

  As Parquet (numbers typed, missing values NULL), or as CSV. For example,
  with DuckDB:

    duckdb -c "SELECT kappa, avg(delta_total) FROM 'DIR/export/runs.parquet' GROUP BY kappa ORDER BY kappa"

  or pandas:

    import pandas as pd
    runs = pd.read_parquet("DIR/export/runs.parquet")
    runs.groupby("kappa").delta_total.mean()

Options:

` + core.Usage(c.flags(&f))
}

func (c *SweepExportCommand) flags(f *sweepExportFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep export")
	fs.StringVar(&f.format, "format", export.Parquet, "parquet or csv")
	fs.StringVar(&f.out, "out", "", "the folder for the tables (default DIR/export)")
	fs.BoolVar(&f.events, "events", false, "also export every event of every run (large)")
	return fs
}

// Run implements cli.Command.
func (c *SweepExportCommand) Run(args []string) int {
	var f sweepExportFlags
	fs := c.flags(&f)
	pos, ok := core.ParseCommand(c.UI, fs, args, c.Help, 1, "exactly one experiment folder")
	if !ok {
		return sweepExitError
	}
	tables, err := export.Export(sweepContext(c.Meta), pos[0], export.Options{Format: f.format, Events: f.events, Out: f.out, LocalExecutor: pluginhost.LocalExecutor})
	if err != nil {
		c.UI.Error("Error: cannot export the experiment: " + err.Error())
		return sweepExitError
	}
	for _, t := range tables {
		c.UI.Output(fmt.Sprintf("  %-7s %8d rows  %s", t.Name, t.Rows, t.Path))
	}
	return sweepExitOK
}
