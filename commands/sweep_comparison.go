package commands

import (
	"flag"
	"fmt"

	"github.com/bilancio-go/bilancio/commands/core"
	"github.com/bilancio-go/bilancio/config"
	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepComparisonCommand is `bilancio sweep comparison`: bilancio's dealer
// comparison sweep, control and treatment pairs, with its flag names.
type SweepComparisonCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepComparisonCommand) Synopsis() string {
	return "Run control/treatment pairs of rings without and with a dealer (bilancio's sweep comparison)"
}

// Help implements cli.Command.
func (c *SweepComparisonCommand) Help() string {
	return `Usage: bilancio sweep comparison [options]

  Runs bilancio's ` + "`sweep comparison`" + `: for every point of the grid
  (kappa → concentration → mu → monotonicity) a control ring without a
  dealer and a treatment ring with one, both with the same seed (counting up
  from -base-seed, one per pair). The experiment folder holds control/ and
  treatment/ (each with runs/ and registry/experiments.csv) and
  aggregate/comparison.csv and summary.json, rewritten as pairs complete.
  For example, bilancio's dealer_comparison_100:

    bilancio sweep comparison -out-dir out/experiments/dealer_comparison_100 \
        -default-handling expel-agent

  The same sweep as a file: examples/sweeps/dealer_comparison_100.hcl.
  Running the same command again resumes it. Exit status: 0 when every run
  is done, 1 on an error, 2 when some runs failed, 130 when interrupted.

Options:

` + core.Usage(c.flags(new(pairedFlags)))
}

// pairedFlags are the flags of sweep comparison and sweep balanced.
type pairedFlags struct {
	sweepExecFlags
	pluginDir string

	kappas, concentrations, mus, monotonicities string
	nAgents, maturityDays                       int
	qTotal                                      string
	baseSeed                                    int64
	defaultHandling, namePrefix                 string
	liquidityMode, liquidityAgent               string
	cloud                                       bool
	cloudParallel                               int

	// sweep comparison
	ticketSize, dealerShare, vbtShare string
	// sweep balanced
	faceValue, outsideMidRatios, bigEntityShare string
	// detailedLogging is -detailed-logging; when not given, the revision's
	// default holds.
	detailedLogging core.OptBool
	// revision is -bilancio-revision, and jobID -job-id.
	revision, jobID string
	// sweep balanced: -quiet (bilancio's default) or -verbose, and the risk
	// assessment options of bilancio 2026-01.
	quiet                    core.OptBool
	riskAssessment           core.OptBool
	riskPremium, riskUrgency string
}

// addPairedFlags adds the flags both paired commands share, with bilancio's
// defaults.
func addPairedFlags(fs *flag.FlagSet, f *pairedFlags, qHelp, prefix string) {
	fs.IntVar(&f.nAgents, "n-agents", 100, "ring size")
	fs.IntVar(&f.maturityDays, "maturity-days", 10, "due-day horizon")
	fs.StringVar(&f.kappas, "kappas", "0.25,0.5,1,2,4", "comma-separated kappas")
	fs.StringVar(&f.concentrations, "concentrations", "0.2,0.5,1,2,5", "comma-separated Dirichlet concentrations")
	fs.StringVar(&f.mus, "mus", "0,0.25,0.5,0.75,1", "comma-separated mus")
	fs.StringVar(&f.monotonicities, "monotonicities", "0", "comma-separated monotonicities")
	fs.Int64Var(&f.baseSeed, "base-seed", 42, "the first pair's seed")
	fs.StringVar(&f.defaultHandling, "default-handling", "fail-fast", "fail-fast or expel-agent")
	fs.StringVar(&f.namePrefix, "name-prefix", prefix, "scenario name prefix (\" (Control)\" etc. is appended)")
	fs.StringVar(&f.qTotal, "q-total", "10000", qHelp)
	fs.BoolVar(&f.cloud, "cloud", false, "run both arms on Modal (the modal executor plugin; credentials from MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml)")
	fs.IntVar(&f.cloudParallel, "cloud-parallel", 0, "with -cloud, at most this many sandboxes at once per arm (default: BILANCIO_CLOUD_MAX_PARALLEL, else 50)")
	addExecFlags(fs, &f.sweepExecFlags, "out-dir", "the experiment folder (default out/experiments/<kind>_<hash of the sweep>)")
	addPluginDirFlag(fs, &f.pluginDir)
	core.AddRevisionFlag(fs, &f.revision)
	fs.StringVar(&f.jobID, "job-id", "", "a name for the sweep's job, recorded in experiment.json (bilancio's --job-id)")
}

func (c *SweepComparisonCommand) flags(f *pairedFlags) *flag.FlagSet {
	fs := core.FlagSet("sweep comparison")
	addPairedFlags(fs, f, "total dues S1 (read as a float, as bilancio does: recorded 10000.0)", sweep.DefaultComparisonPrefix)
	fs.StringVar(&f.ticketSize, "dealer-ticket-size", "1.0", "the treatment dealer's ticket size (int() of it is written)")
	fs.StringVar(&f.dealerShare, "dealer-share", "0.25", "the dealers' share of the system's cash")
	fs.StringVar(&f.vbtShare, "vbt-share", "0.50", "the value-based traders' share of the system's cash")
	fs.StringVar(&f.liquidityMode, "liquidity-mode", "uniform", "uniform or single_at")
	fs.StringVar(&f.liquidityAgent, "liquidity-agent", "", "the agent holding all liquidity in single_at mode (default H1)")
	return fs
}

// Run implements cli.Command.
func (c *SweepComparisonCommand) Run(args []string) int {
	var f pairedFlags
	fs := c.flags(&f)
	return runPairedCommand(c.Meta, fs, &f, args, c.Help, sweep.KindComparison)
}

// runPairedCommand parses a paired command's flags, builds its sweep and
// runs it.
func runPairedCommand(m Meta, fs *flag.FlagSet, f *pairedFlags, args []string, help func() string, kind string) int {
	if _, ok := core.ParseCommand(m.UI, fs, args, help, 0, "no arguments"); !ok {
		return sweepExitError
	}
	view := newSweepView(m.UI, f.json, nil)
	if !f.quiet.Or(true) && !f.json {
		// bilancio's --verbose: a line per run, even on a terminal.
		out, errOut := outputWriters(m.UI)
		view = makeSweepView(viewPlain, out, errOut, nil)
	}
	defer view.Close()
	if f.riskAssessment.Or(false) {
		view.Diagnostic("error", "Invalid sweep "+kind+" options",
			"-risk-assessment: not implemented: bilancio trades with risk assessment from 2026-01-13 (on by default there) and this engine does not, so the runs would silently differ from bilancio's; leave it out or give -no-risk-assessment (-risk-premium and -risk-urgency only matter with it)")
		return sweepExitError
	}
	for _, d := range []struct{ name, text string }{{"risk-premium", f.riskPremium}, {"risk-urgency", f.riskUrgency}} {
		if kind != sweep.KindBalanced {
			break // only sweep balanced has them
		}
		if l, err := decimalList(d.name, d.text); err != nil || len(l) != 1 {
			view.Diagnostic("error", "Invalid sweep "+kind+" options", fmt.Sprintf("-%s takes one number, got %q", d.name, d.text))
			return sweepExitError
		}
	}
	spec, err := f.spec(kind)
	if err == nil {
		err = (&sweepRingFlags{cloud: f.cloud, cloudParallel: f.cloudParallel, sweepExecFlags: sweepExecFlags{executor: f.executor}}).cloudExecutor(spec)
	}
	if err != nil {
		view.Diagnostic("error", "Invalid sweep "+kind+" options", err.Error())
		return sweepExitError
	}
	exec := f.sweepExecFlags
	exec.out = ""
	return executeSweep(m, spec, &exec, f.pluginDir, "bilancio sweep "+kind+" "+shellQuote(args), view)
}

// spec builds the paired sweep the flags describe.
func (f *pairedFlags) spec(kind string) (*sweep.Spec, error) {
	s := &sweep.Spec{
		SeedMode:      sweep.SeedCounter,
		ExperimentDir: f.out,
		Ring: sweep.RingParams{
			NAgents: f.nAgents, MaturityDays: f.maturityDays,
			LiquidityMode: string(ring.Uniform), LiquidityAgent: f.liquidityAgent,
			DefaultHandling: f.defaultHandling, BaseSeed: f.baseSeed,
			NamePrefix: f.namePrefix,
		},
		Paired:           &sweep.Paired{Kind: kind},
		BilancioRevision: f.revision,
		JobID:            f.jobID,
	}
	if f.liquidityMode != "" {
		s.Ring.LiquidityMode = f.liquidityMode
	}
	lists := map[string][]string{}
	for name, text := range map[string]string{"kappas": f.kappas, "concentrations": f.concentrations, "mus": f.mus, "monotonicities": f.monotonicities} {
		l, err := decimalList(name, text)
		if err != nil {
			return nil, err
		}
		lists[name] = l
	}
	s.Grid = sweep.Grid{"kappas": lists["kappas"], "concentrations": lists["concentrations"], "mus": lists["mus"], "monotonicities": lists["monotonicities"]}
	var err error
	p := s.Paired
	switch kind {
	case sweep.KindComparison:
		// bilancio's click options are floats, recorded through str().
		if s.Ring.QTotal, err = cliFloat("q-total", f.qTotal); err != nil {
			return nil, err
		}
		for _, v := range []struct {
			name, text string
			dst        *string
		}{{"dealer-ticket-size", f.ticketSize, &p.TicketSize}, {"dealer-share", f.dealerShare, &p.DealerShare}, {"vbt-share", f.vbtShare, &p.VBTShare}} {
			if *v.dst, err = cliFloat(v.name, v.text); err != nil {
				return nil, err
			}
		}
	case sweep.KindBalanced:
		// `sweep balanced` reads Decimals, recorded as written.
		for _, v := range []struct {
			name, text string
			dst        *string
		}{{"q-total", f.qTotal, &s.Ring.QTotal}, {"face-value", f.faceValue, &p.FaceValue}, {"big-entity-share", f.bigEntityShare, &p.BigEntityShare}} {
			l, err := decimalList(v.name, v.text)
			if err != nil {
				return nil, err
			}
			if len(l) != 1 {
				return nil, fmt.Errorf("-%s takes one number, got %q", v.name, v.text)
			}
			*v.dst = l[0]
		}
		if p.OutsideMidRatios, err = decimalList("outside-mid-ratios", f.outsideMidRatios); err != nil {
			return nil, err
		}
		rev, err := revision.Lookup(f.revision)
		if err != nil {
			return nil, fmt.Errorf("-%s: %w", core.RevisionFlagName, err)
		}
		p.DetailedLogging = f.detailedLogging.Or(rev.DetailedLogging)
	}
	return s, nil
}

// cliFloat is config.CLIFloat, its error naming the flag.
func cliFloat(name, text string) (string, error) {
	v, err := config.CLIFloat(text)
	if err != nil {
		return "", fmt.Errorf("-%s: %w", name, err)
	}
	return v, nil
}

// decimalList is config.DecimalList, its error naming the flag.
func decimalList(name, text string) ([]string, error) {
	l, err := config.DecimalList(text)
	if err != nil {
		return nil, fmt.Errorf("-%s: %w", name, err)
	}
	return l, nil
}
