package commands

import (
	"flag"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepBalancedCommand is `bilancio sweep balanced`: bilancio's balanced
// comparison, passive and active pairs of the balanced ring, with its flag
// names.
type SweepBalancedCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepBalancedCommand) Synopsis() string {
	return "Run passive/active pairs of balanced rings with big entities (bilancio's sweep balanced)"
}

// Help implements cli.Command.
func (c *SweepBalancedCommand) Help() string {
	return `Usage: bilancio sweep balanced [options]

  Runs bilancio's ` + "`sweep balanced`" + `: for every outside-mid ratio ρ, then
  every grid point (kappa → concentration → mu → monotonicity), a passive
  and an active run of the balanced ring (payables and liquidity scaled by
  1 + β, three big entities owed Q·β/n by each agent and minted
  (Q·β/3)·ρ), with the same seed. The active arm trades through value-based
  traders (dealer block with ticket size = face value, no dealer capital).
  The experiment folder holds passive/ and active/ (each with runs/ and
  registry/experiments.csv) and aggregate/comparison.csv and summary.json.
  For example, bilancio's balanced_comparison_20251204:

    bilancio sweep balanced -out-dir out/experiments/balanced_comparison_20251204 \
        -outside-mid-ratios 0.75

  The same sweep as a file: examples/sweeps/balanced_100.hcl. Running the
  same command again resumes it. Exit status: 0 when every run is done, 1 on
  an error, 2 when some runs failed, 130 when interrupted.

Options:

` + core.Usage(c.flags(new(pairedFlags)))
}

func (c *SweepBalancedCommand) flags(f *pairedFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep balanced")
	addPairedFlags(fs, f, "total dues S1 of the ring (a Decimal, recorded as written)", sweep.DefaultBalancedPrefix)
	fs.StringVar(&f.faceValue, "face-value", "20", "the ticket face value S (the active arm's ticket size)")
	fs.StringVar(&f.outsideMidRatios, "outside-mid-ratios", "1.0,0.9,0.8,0.75,0.5", "comma-separated outside-mid ratios ρ (the outermost loop)")
	fs.StringVar(&f.bigEntityShare, "big-entity-share", "0.25", "β: the share of the debt owed to the big entities")
	fs.Var(&f.detailedLogging, "detailed-logging", "write the active runs' detailed dealer files (default: the revision's, on from 2025-12)")
	fs.Var(&f.quiet, "quiet", "show the sweep's progress (bilancio's default)")
	fs.Var(core.Negation{Target: &f.quiet}, "verbose", "print a line per finished run, even on a terminal (bilancio's --verbose)")
	fs.Var(&f.riskAssessment, "risk-assessment", "bilancio 2026-01's risk-based trading: not implemented, refused; -no-risk-assessment is accepted")
	fs.StringVar(&f.riskPremium, "risk-premium", "0.02", "bilancio 2026-01's base risk premium (only used with -risk-assessment)")
	fs.StringVar(&f.riskUrgency, "risk-urgency", "0.10", "bilancio 2026-01's urgency sensitivity (only used with -risk-assessment)")
	return fs
}

// Run implements cli.Command.
func (c *SweepBalancedCommand) Run(args []string) int {
	var f pairedFlags
	fs := c.flags(&f)
	return runPairedCommand(c.Meta, fs, &f, args, c.Help, sweep.KindBalanced)
}
