package commands

import (
	"errors"
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/analysis"
)

// SweepStrategyOutcomesCommand is `bilancio sweep strategy-outcomes`:
// bilancio's analysis of the traders' strategies in a balanced sweep.
type SweepStrategyOutcomesCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepStrategyOutcomesCommand) Synopsis() string {
	return "Analyse trading strategy outcomes across a balanced sweep's runs"
}

// Help implements cli.Command.
func (c *SweepStrategyOutcomesCommand) Help() string {
	return `Usage: bilancio sweep strategy-outcomes -experiment DIR

  Reads DIR/aggregate/comparison.csv and each active run's
  out/repayment_events.csv, and writes, as bilancio's command does:

    DIR/aggregate/strategy_outcomes_by_run.csv   per run: count, face value,
                                                 defaults and default rate of
                                                 each strategy (no_trade,
                                                 hold_to_maturity, sell_before,
                                                 round_trip)
    DIR/aggregate/strategy_outcomes_overall.csv  the same per parameter point

  DIR is a balanced sweep's folder (bilancio sweep balanced, or a sweep file
  of kind "balanced") whose active runs kept detailed logging.

Options:

` + core.Usage(analysisFlags(new(analysisOptions)))
}

// analysisOptions are the options of both analysis commands.
type analysisOptions struct {
	experiment string
	verbose    bool
}

func analysisFlags(o *analysisOptions) *flag.FlagSet {
	fs := core.FlagSet("sweep analysis")
	fs.StringVar(&o.experiment, "experiment", "", "the experiment folder, holding aggregate/comparison.csv (required)")
	fs.BoolVar(&o.verbose, "v", false, "accepted for bilancio's -v/--verbose (nothing more is logged)")
	fs.BoolVar(&o.verbose, "verbose", false, "same as -v")
	return fs
}

// parseAnalysis parses an analysis command's flags.
func parseAnalysis(m Meta, args []string, help func() string) (*analysisOptions, bool) {
	var o analysisOptions
	fs := analysisFlags(&o)
	if _, ok := core.ParseCommand(m.UI, fs, args, help, 0, "no arguments (the folder is -experiment)"); !ok {
		return nil, false
	}
	if o.experiment == "" {
		m.UI.Error("Error: -experiment is required\n\n" + help())
		return nil, false
	}
	return &o, true
}

// Run implements cli.Command.
func (c *SweepStrategyOutcomesCommand) Run(args []string) int {
	o, ok := parseAnalysis(c.Meta, args, c.Help)
	if !ok {
		return 1
	}
	byRun, overall, err := analysis.StrategyOutcomes(o.experiment)
	switch {
	case errors.Is(err, analysis.ErrNoData):
		c.UI.Warn("No output generated - check that repayment_events.csv files exist")
		return 0
	case err != nil:
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	c.UI.Output("OK Strategy outcomes by run: " + byRun)
	c.UI.Output("OK Strategy outcomes overall: " + overall)
	return 0
}

// SweepDealerUsageCommand is `bilancio sweep dealer-usage`: bilancio's
// analysis of how much a balanced sweep's dealers were used.
type SweepDealerUsageCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepDealerUsageCommand) Synopsis() string {
	return "Analyse how much the dealers of a balanced sweep were used"
}

// Help implements cli.Command.
func (c *SweepDealerUsageCommand) Help() string {
	return `Usage: bilancio sweep dealer-usage -experiment DIR

  Reads DIR/aggregate/comparison.csv and each active run's trades.csv,
  inventory_timeseries.csv, system_state_timeseries.csv and
  repayment_events.csv, and writes, as bilancio's command does,
  DIR/aggregate/dealer_usage_by_run.csv: per run, the traders' trades with
  the dealer, the share of days the dealer held inventory, was empty or
  routed to the VBT, the debt-to-money ratio, how much the debt shrank, and
  the share of defaulted and repaid face value that had traded.

Options:

` + core.Usage(analysisFlags(new(analysisOptions)))
}

// Run implements cli.Command.
func (c *SweepDealerUsageCommand) Run(args []string) int {
	o, ok := parseAnalysis(c.Meta, args, c.Help)
	if !ok {
		return 1
	}
	path, err := analysis.DealerUsage(o.experiment)
	switch {
	case errors.Is(err, analysis.ErrNoData):
		c.UI.Warn("No output generated - check that required CSV files exist")
		return 0
	case err != nil:
		c.UI.Error(fmt.Sprintf("Error: %v", err))
		return 1
	}
	c.UI.Output("OK Dealer usage summary: " + path)
	return 0
}
