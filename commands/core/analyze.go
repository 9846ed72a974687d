package core

import (
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/analysis"
)

// AnalyzeCommand is `bilancio analyze`: bilancio's recomputation of a run's
// metric files from its events and balances.
type AnalyzeCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *AnalyzeCommand) Synopsis() string {
	return "Recompute a run's metric files from its events and balances"
}

// Help implements Command.
func (c *AnalyzeCommand) Help() string {
	return `Usage: bilancio analyze -events EVENTS.jsonl [options]

  Computes the Kalecki day metrics of a finished run from its events (and
  its balances, for M_t and G_t), as bilancio's analyze command does, and
  writes them in the run folder's formats:

    -out-csv      day metrics, as out/metrics.csv (default: beside the
                  events, <name>_metrics_day.csv)
    -out-json     the same as out/metrics.json (default <name>_metrics_day.json)
    <name>_ds.csv the debtor shortfall shares, as out/metrics_ds.csv, beside
                  -out-csv
    -intraday-csv the settlement steps, as out/metrics_intraday.csv
    -html         a page with the three tables

  <name> is the events file's name without "_events" and its extension.

Options:

` + Usage(c.flags(new(analyzeFlags)))
}

type analyzeFlags struct {
	events, balances, days, outCSV, outJSON, intraday, html string
}

func (c *AnalyzeCommand) flags(f *analyzeFlags) *flag.FlagSet {
	fs := FlagSet("analyze")
	fs.StringVar(&f.events, "events", "", "the run's events.jsonl (required)")
	fs.StringVar(&f.balances, "balances", "", "the run's balances.csv (optional; without it M_t and G_t are empty)")
	fs.StringVar(&f.days, "days", "", `the days to analyse, such as "1,2-3" (default: the due days in the events)`)
	fs.StringVar(&f.outCSV, "out-csv", "", "where to write the day metrics CSV")
	fs.StringVar(&f.outJSON, "out-json", "", "where to write the day metrics JSON")
	fs.StringVar(&f.intraday, "intraday-csv", "", "also write the intraday settlement steps here")
	fs.StringVar(&f.html, "html", "", "also write an HTML page of the metrics here")
	return fs
}

// Run implements Command.
func (c *AnalyzeCommand) Run(args []string) int {
	var f analyzeFlags
	fs := c.flags(&f)
	if _, ok := ParseCommand(c.UI, fs, args, c.Help, 0, "no arguments (the run's files are -events and -balances)"); !ok {
		return 1
	}
	if f.events == "" {
		c.UI.Error("Error: -events is required\n\n" + c.Help())
		return 1
	}
	req := analysis.MetricsRequest{Events: f.events, Balances: f.balances, OutCSV: f.outCSV, OutJSON: f.outJSON,
		IntradayCSV: f.intraday, HTML: f.html}
	if f.days != "" {
		req.Days = analysis.ParseDayRanges(f.days)
	}
	c.UI.Output("Reading events from " + f.events + "...")
	if f.balances != "" {
		c.UI.Output("Reading balances from " + f.balances + "...")
	}
	wrote, err := analysis.RecomputeMetrics(req)
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	if len(wrote) == 0 {
		c.UI.Warn("No days found to analyze.")
		return 0
	}
	for _, w := range wrote {
		c.UI.Output("OK Wrote " + w.What + ": " + w.Path)
	}
	return 0
}
