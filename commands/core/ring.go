package core

import (
	"cmp"
	"flag"
	"fmt"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// RingCommand is `bilancio ring`: the parent of the ring generator commands.
type RingCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *RingCommand) Synopsis() string { return "Generate Kalecki ring scenarios" }

// Help implements Command.
func (c *RingCommand) Help() string {
	return `Usage: bilancio ring <subcommand> [options]

  Kalecki ring scenarios, generated as bilancio's ring_explorer_v1 generator
  generates them.`
}

// Run implements Command.
func (c *RingCommand) Run(args []string) int { return ParentRun(c.UI, "ring", args) }

// RingGenerateCommand is `bilancio ring generate`: it prints the scenario
// YAML bilancio's ring generator writes for the given parameters.
type RingGenerateCommand struct {
	Meta
}

// Synopsis implements Command.
func (c *RingGenerateCommand) Synopsis() string { return "Print a generated ring scenario" }

// Help implements Command.
func (c *RingGenerateCommand) Help() string {
	return `Usage: bilancio ring generate -kappa K (-q-total Q | -liquidity-total L) [options]

  Prints the scenario YAML of a Kalecki ring of n agents, byte for byte as
  bilancio's sweep runner writes it: payables split by Dirichlet weights drawn
  from Python's random.Random(seed), liquidity minted per the liquidity mode,
  due days by the lead-lag rule. For example, the run of spec/engine.md §7.4:

    bilancio ring generate -n-agents 100 -kappa 2 -concentration 1 -mu 1 \
        -maturity-days 10 -q-total 10000 -seed 131 -liquidity-mode uniform \
        -default-handling expel-agent -name-prefix "Dealer Comparison (Control)"

  Decimal parameters keep their text (0.50 is not 0.5 in a registry); the
  totals are read as floats, like bilancio's --q-total (10000 is 10000.0).

  With -balanced it prints the balanced comparison scenario instead
  (spec/dealer.md §12): the ring scaled by 1 + β with three big entities, for
  the -mode passive or active arm, with the name prefix "Balanced Comparison
  (Passive)" or "(Active)" unless -name-prefix is given, and -q-total read as
  a Decimal like bilancio's sweep balanced. For example, a run of
  dealer-balanced-n100:

    bilancio ring generate -balanced -mode active -n-agents 100 -kappa 0.25 \
        -concentration 0.2 -mu 0 -maturity-days 10 -q-total 10000 -seed 42 \
        -face-value 20 -outside-mid-ratio 0.75 -big-entity-share 0.25

Options:

` + Usage(c.flags(new(ringFlags)))
}

type ringFlags struct {
	nAgents, maturityDays, maxDays, quietDays                      int
	seed                                                           int64
	kappa, concentration, mu, monotonicity, qTotal, liquidityTotal string
	liquidityMode, liquidityAgent, liquidityVector                 string
	kappaRule, revision, defaultHandling, namePrefix               string
	bilancioRevision                                               string
	balanced                                                       bool
	mode, faceValue, outsideMidRatio, bigEntityShare               string
	namePrefixSet                                                  bool
}

func (c *RingGenerateCommand) flags(f *ringFlags) *flag.FlagSet {
	fs := FlagSet("ring generate")
	fs.IntVar(&f.nAgents, "n-agents", 5, "number of agents in the ring (at least 3)")
	fs.Int64Var(&f.seed, "seed", 42, "seed of Python's random.Random")
	fs.StringVar(&f.kappa, "kappa", "", "kappa, relating the total dues and the liquidity per -kappa-rule (required)")
	fs.StringVar(&f.kappaRule, "kappa-rule", "", "debt-over-liquidity (bilancio's recorded data: L0 = Q/kappa) or liquidity-over-debt (bilancio 2026-01: L0 = Q·kappa); default: the revision's")
	fs.StringVar(&f.qTotal, "q-total", "", "total dues S1")
	fs.StringVar(&f.liquidityTotal, "liquidity-total", "", "initial liquidity L0 (derived from -q-total and -kappa when not given)")
	fs.StringVar(&f.concentration, "concentration", "1", "Dirichlet concentration c (> 0)")
	fs.StringVar(&f.monotonicity, "monotonicity", "0", "payable ordering from -1 (ascending) through 0 (random) to 1 (descending)")
	fs.IntVar(&f.maturityDays, "maturity-days", 1, "due-day horizon")
	fs.StringVar(&f.mu, "mu", "0", "lead-lag maturity misalignment in [0, 1]")
	fs.StringVar(&f.liquidityMode, "liquidity-mode", "uniform", "uniform, single_at or vector")
	fs.StringVar(&f.liquidityAgent, "liquidity-agent", "", "agent receiving all liquidity in single_at mode (default H1)")
	fs.StringVar(&f.liquidityVector, "liquidity-vector", "", "comma-separated positive weights, one per agent, for vector mode")
	fs.StringVar(&f.defaultHandling, "default-handling", "fail-fast", "run.default_handling: fail-fast, expel-agent, or none to leave the key out")
	fs.StringVar(&f.namePrefix, "name-prefix", ring.DefaultNamePrefix, "scenario name prefix")
	fs.IntVar(&f.maxDays, "max-days", 0, "run.max_days (default max(30, maturity days + 5))")
	fs.IntVar(&f.quietDays, "quiet-days", -1, "run.quiet_days (default 2)")
	fs.StringVar(&f.revision, "revision", "", "bilancio generator revision: clamped (2025-10-24 on) or original (2025-10-10); default: the bilancio revision's")
	AddRevisionFlag(fs, &f.bilancioRevision)
	fs.BoolVar(&f.balanced, "balanced", false, "generate the balanced comparison scenario (big entities; spec/dealer.md §12)")
	fs.StringVar(&f.mode, "mode", string(ring.Passive), "with -balanced: the arm, passive or active (adds the dealer block)")
	fs.StringVar(&f.faceValue, "face-value", "20", "with -balanced: face value S (the active arm's ticket size is its integer part)")
	fs.StringVar(&f.outsideMidRatio, "outside-mid-ratio", "0.75", "with -balanced: outside-mid ratio ρ (big entities' cash)")
	fs.StringVar(&f.bigEntityShare, "big-entity-share", "0.25", "with -balanced: big-entity share β")
	return fs
}

// Run implements Command.
func (c *RingGenerateCommand) Run(args []string) int {
	var f ringFlags
	fs := c.flags(&f)
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = fmt.Errorf("unexpected argument %q", pos[0])
	}
	if err != nil {
		c.UI.Error(fmt.Sprintf("Error: %v\n\n%s", err, c.Help()))
		return 1
	}
	fs.Visit(func(fl *flag.Flag) { f.namePrefixSet = f.namePrefixSet || fl.Name == "name-prefix" })
	p, err := f.params()
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	var g *ring.Generated
	if f.balanced {
		var bp ring.BalancedParams
		if bp, err = f.balancedParams(p); err == nil {
			g, err = ring.GenerateBalanced(bp)
		}
	} else {
		g, err = ring.Generate(p)
	}
	if err != nil {
		c.UI.Error("Error: " + err.Error())
		return 1
	}
	c.UI.Output(strings.TrimSuffix(string(g.YAML), "\n"))
	return 0
}

// params turns the flags into generator parameters.
func (f *ringFlags) params() (ring.Params, error) {
	p := ring.Params{
		NAgents: f.nAgents, Seed: f.seed, MaturityDays: f.maturityDays, MaxDays: f.maxDays,
		Liquidity:      ring.LiquidityMode(strings.ReplaceAll(f.liquidityMode, "-", "_")),
		LiquidityAgent: f.liquidityAgent, NamePrefix: f.namePrefix,
		DefaultHandling: f.defaultHandling, Revision: ring.Revision(f.revision),
	}
	if p.DefaultHandling == "none" {
		p.DefaultHandling = ""
	}
	if f.quietDays >= 0 {
		p.QuietDays = &f.quietDays
	}
	if f.kappa == "" {
		return p, fmt.Errorf("-kappa is required")
	}
	if f.qTotal == "" && f.liquidityTotal == "" {
		return p, fmt.Errorf("-q-total or -liquidity-total is required")
	}
	rev, err := revision.Lookup(f.bilancioRevision)
	if err != nil {
		return p, fmt.Errorf("-%s: %w", RevisionFlagName, err)
	}
	if p.Revision == "" {
		p.Revision = rev.Generator
	}
	rule, err := ring.ParseKappaRule(cmp.Or(f.kappaRule, string(rev.KappaRule)))
	if err != nil {
		return p, fmt.Errorf("-kappa-rule: %w", err)
	}
	p.KappaRule = rule
	decimals := []struct {
		flag, text string
		dst        **pynum.Amount
		parse      func(string) (pynum.Amount, error)
	}{
		{"kappa", f.kappa, &p.Kappa, ring.ParseDecimal},
		{"concentration", f.concentration, &p.Concentration, ring.ParseDecimal},
		{"mu", f.mu, &p.Mu, ring.ParseDecimal},
		{"monotonicity", f.monotonicity, &p.Monotonicity, ring.ParseDecimal},
		{"q-total", f.qTotal, &p.QTotal, ring.ParseCLIFloat},
		{"liquidity-total", f.liquidityTotal, &p.LiquidityTotal, ring.ParseCLIFloat},
	}
	if f.balanced && f.qTotal != "" {
		// bilancio's sweep balanced reads --q-total as a Decimal.
		decimals[4].parse = ring.ParseDecimal
	}
	for _, d := range decimals {
		if d.text == "" {
			continue
		}
		v, err := d.parse(d.text)
		if err != nil {
			return p, fmt.Errorf("-%s: %w", d.flag, err)
		}
		*d.dst = &v
	}
	if f.liquidityVector != "" {
		for _, part := range strings.Split(f.liquidityVector, ",") {
			v, err := ring.ParseDecimal(part)
			if err != nil {
				return p, fmt.Errorf("-liquidity-vector: %w", err)
			}
			p.LiquidityVector = append(p.LiquidityVector, v)
		}
	}
	return p, nil
}

// balancedParams adds the balanced generator's flags to the ring parameters.
func (f *ringFlags) balancedParams(p ring.Params) (ring.BalancedParams, error) {
	mode, err := ring.ParseBalancedMode(f.mode)
	if err != nil {
		return ring.BalancedParams{}, fmt.Errorf("-mode: %w", err)
	}
	if !f.namePrefixSet {
		p.NamePrefix = "" // the arm's prefix
	}
	bp := ring.BalancedParams{Params: p, Mode: mode}
	for _, d := range []struct {
		flag, text string
		dst        **pynum.Amount
	}{
		{"face-value", f.faceValue, &bp.FaceValue},
		{"outside-mid-ratio", f.outsideMidRatio, &bp.OutsideMidRatio},
		{"big-entity-share", f.bigEntityShare, &bp.BigEntityShare},
	} {
		v, err := ring.ParseDecimal(d.text)
		if err != nil {
			return bp, fmt.Errorf("-%s: %w", d.flag, err)
		}
		*d.dst = &v
	}
	return bp, nil
}
