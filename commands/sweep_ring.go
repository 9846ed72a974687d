package commands

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// SweepRingCommand is `bilancio sweep ring`: bilancio's own sweep command,
// with its flag names, building the same sweep a sweep file would.
type SweepRingCommand struct {
	Meta
}

// Synopsis implements cli.Command.
func (c *SweepRingCommand) Synopsis() string {
	return "Run a Kalecki ring sweep given by flags (bilancio's sweep ring)"
}

// Help implements cli.Command.
func (c *SweepRingCommand) Help() string {
	return `Usage: bilancio sweep ring [options]

  Runs a sweep of Kalecki rings described by flags, with the names and
  defaults of bilancio's ` + "`bilancio sweep ring`" + `: a grid over the -kappas,
  -concentrations, -mus and -monotonicities lists (unless -grid=false), then
  -lhs N Latin hypercube points, then, with -frontier, a search per
  (concentration, mu, monotonicity) cell of the kappa where the ring starts
  to clear. Seeds count up from -base-seed in bilancio's loop order, so a
  recorded bilancio sweep is reproduced run for run. For example, the
  control arm of bilancio's dealer_comparison_100:

    bilancio sweep ring -n-agents 100 -maturity-days 10 -q-total 10000 \
        -liquidity-mode uniform -default-handling expel-agent \
        -name-prefix "Dealer Comparison (Control)"

  -config FILE reads the sweep from an HCL sweep file or one of bilancio's
  YAML sweep configs; flags given explicitly override it.

  The experiment folder is -out-dir (default out/experiments/sweep_<hash of
  the sweep>); running the same command again resumes it. Exit status: 0
  when every run is done, 1 on an error, 2 when some runs failed, 130 when
  interrupted.

Options:

` + usage(c.flags(new(sweepRingFlags)))
}

// sweepRingFlags are sweep ring's flags.
type sweepRingFlags struct {
	sweepExecFlags
	pluginDir string
	config    string

	grid                                         bool
	kappas, concentrations, mus, monotonicities  string
	lhs                                          int
	kappaMin, kappaMax, cMin, cMax, muMin, muMax string
	monotonicityMin, monotonicityMax             string
	frontier                                     bool
	frontierLow, frontierHigh, frontierTolerance string
	frontierIterations                           int
	nAgents, maturityDays                        int
	qTotal, liquidityMode, liquidityAgent        string
	baseSeed                                     int64
	namePrefix, defaultHandling                  string
	seedMode, kappaRule, revision, jobID         string
	replicates                                   int
	cloud                                        bool
	cloudParallel                                int
}

func (c *SweepRingCommand) flags(f *sweepRingFlags) *flag.FlagSet {
	fs := flagSet("sweep ring")
	fs.StringVar(&f.config, "config", "", "read the sweep from this HCL sweep file or bilancio YAML sweep config (explicit flags override it)")
	fs.BoolVar(&f.grid, "grid", true, "run the grid (-grid=false is bilancio's --no-grid)")
	fs.StringVar(&f.kappas, "kappas", "0.25,0.5,1,2,4", "comma-separated grid kappas")
	fs.StringVar(&f.concentrations, "concentrations", "0.2,0.5,1,2,5", "comma-separated grid Dirichlet concentrations")
	fs.StringVar(&f.mus, "mus", "0,0.25,0.5,0.75,1", "comma-separated grid mus")
	fs.StringVar(&f.monotonicities, "monotonicities", "0", "comma-separated grid monotonicities")
	fs.IntVar(&f.lhs, "lhs", 0, "number of Latin hypercube points")
	fs.StringVar(&f.kappaMin, "kappa-min", "0.2", "LHS minimum kappa")
	fs.StringVar(&f.kappaMax, "kappa-max", "5.0", "LHS maximum kappa")
	fs.StringVar(&f.cMin, "c-min", "0.2", "LHS minimum concentration")
	fs.StringVar(&f.cMax, "c-max", "5.0", "LHS maximum concentration")
	fs.StringVar(&f.muMin, "mu-min", "0.0", "LHS minimum mu")
	fs.StringVar(&f.muMax, "mu-max", "1.0", "LHS maximum mu")
	fs.StringVar(&f.monotonicityMin, "monotonicity-min", "0.0", "LHS minimum monotonicity")
	fs.StringVar(&f.monotonicityMax, "monotonicity-max", "0.0", "LHS maximum monotonicity")
	fs.BoolVar(&f.frontier, "frontier", false, "run the frontier search over the grid's concentration, mu and monotonicity cells")
	fs.StringVar(&f.frontierLow, "frontier-low", "0.1", "frontier lower bound for kappa")
	fs.StringVar(&f.frontierHigh, "frontier-high", "4.0", "frontier initial upper bound for kappa")
	fs.StringVar(&f.frontierTolerance, "frontier-tolerance", "0.02", "frontier tolerance on delta_total")
	fs.IntVar(&f.frontierIterations, "frontier-iterations", 6, "maximum bisection steps per cell")
	fs.IntVar(&f.nAgents, "n-agents", 5, "ring size")
	fs.IntVar(&f.maturityDays, "maturity-days", 3, "due-day horizon")
	fs.StringVar(&f.qTotal, "q-total", "500.0", "total dues S1 (read as a float, as bilancio does: 10000 is recorded 10000.0)")
	fs.StringVar(&f.liquidityMode, "liquidity-mode", "single_at", "single_at or uniform")
	fs.StringVar(&f.liquidityAgent, "liquidity-agent", "H1", "the agent holding all liquidity in single_at mode")
	fs.Int64Var(&f.baseSeed, "base-seed", 42, "first seed")
	fs.StringVar(&f.namePrefix, "name-prefix", ring.DefaultNamePrefix, "scenario name prefix")
	fs.StringVar(&f.defaultHandling, "default-handling", "fail-fast", "fail-fast or expel-agent")
	fs.IntVar(&f.replicates, "replicates", 0, "runs per grid and LHS point, each with its own seed (0 or 1: one; replicate 0 is the run without replicates)")
	fs.StringVar(&f.seedMode, "seed-mode", sweep.SeedCounter, "counter (bilancio's seeds) or derived (each run's seed from its parameters)")
	fs.StringVar(&f.kappaRule, "kappa-rule", "", "debt-over-liquidity (bilancio's recorded data: L0 = Q/kappa) or liquidity-over-debt (bilancio 2026-01: L0 = Q·kappa); default: the revision's")
	addRevisionFlag(fs, &f.revision)
	fs.StringVar(&f.jobID, "job-id", "", "a name for the sweep's job, recorded in experiment.json (bilancio's --job-id)")
	fs.BoolVar(&f.cloud, "cloud", false, "run on Modal (the modal executor plugin; credentials from MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml)")
	fs.IntVar(&f.cloudParallel, "cloud-parallel", 0, "with -cloud, at most this many sandboxes at once (default: BILANCIO_CLOUD_MAX_PARALLEL, else 50)")
	addExecFlags(fs, &f.sweepExecFlags, "out-dir", "the experiment folder (default out/experiments/sweep_<hash of the sweep>)")
	addPluginDirFlag(fs, &f.pluginDir)
	return fs
}

// Run implements cli.Command.
func (c *SweepRingCommand) Run(args []string) int {
	var f sweepRingFlags
	fs := c.flags(&f)
	if _, ok := parseCommand(c.UI, fs, args, c.Help(), 0, "no arguments"); !ok {
		return sweepExitError
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	ctx := sweepContext(c.Meta)
	view := newSweepView(c.UI, f.json, nil)
	defer view.Close()

	flagSpec, designs, err := f.spec()
	if err != nil {
		view.Diagnostic("error", "Invalid sweep ring options", err.Error())
		return sweepExitError
	}
	spec := flagSpec
	if f.config != "" {
		if spec = loadSweep(ctx, f.config, &sweepLoadFlags{pluginDir: f.pluginDir}, view); spec == nil {
			return sweepExitError
		}
		overrideSpec(spec, flagSpec, designs, set)
	}
	if f.out != "" {
		spec.ExperimentDir, spec.OutDir = f.out, ""
	}
	if err := f.cloudExecutor(spec); err != nil {
		view.Diagnostic("error", "Invalid sweep ring options", err.Error())
		return sweepExitError
	}
	exec := f.sweepExecFlags
	exec.out = ""
	return executeSweep(c.Meta, spec, &exec, f.pluginDir, "bilancio sweep ring "+shellQuote(args), view)
}

// ringFlagDesigns are the designs the flags describe, whether or not they
// are switched on (-lhs N, -frontier), for overriding a -config file.
type ringFlagDesigns struct {
	lhs      *sweep.LHS
	frontier *sweep.Frontier
}

// spec builds the sweep the flags describe.
func (f *sweepRingFlags) spec() (*sweep.Spec, *ringFlagDesigns, error) {
	q, err := cliFloat("q-total", f.qTotal)
	if err != nil {
		return nil, nil, err
	}
	s := &sweep.Spec{
		SeedMode: f.seedMode, Replicates: f.replicates,
		Ring: sweep.RingParams{
			NAgents: f.nAgents, MaturityDays: f.maturityDays, QTotal: q,
			LiquidityMode: f.liquidityMode, LiquidityAgent: f.liquidityAgent,
			DefaultHandling: f.defaultHandling, BaseSeed: f.baseSeed,
			NamePrefix: f.namePrefix, KappaRule: f.kappaRule,
		},
		BilancioRevision: f.revision,
		JobID:            f.jobID,
	}
	lists := map[string][]string{}
	for name, text := range map[string]string{"kappas": f.kappas, "concentrations": f.concentrations, "mus": f.mus, "monotonicities": f.monotonicities} {
		l, err := decimalList(name, text)
		if err != nil {
			return nil, nil, err
		}
		lists[name] = l
	}
	if f.grid {
		s.Grid = &sweep.Grid{Kappas: lists["kappas"], Concentrations: lists["concentrations"], Mus: lists["mus"], Monotonicities: lists["monotonicities"]}
	}
	designs := &ringFlagDesigns{}
	{
		floats := map[string]string{}
		for name, text := range map[string]string{
			"kappa-min": f.kappaMin, "kappa-max": f.kappaMax, "c-min": f.cMin, "c-max": f.cMax,
			"mu-min": f.muMin, "mu-max": f.muMax, "monotonicity-min": f.monotonicityMin, "monotonicity-max": f.monotonicityMax,
		} {
			v, err := cliFloat(name, text)
			if err != nil {
				return nil, nil, err
			}
			floats[name] = v
		}
		designs.lhs = &sweep.LHS{
			Count:         f.lhs,
			Kappa:         sweep.Range{Min: floats["kappa-min"], Max: floats["kappa-max"]},
			Concentration: sweep.Range{Min: floats["c-min"], Max: floats["c-max"]},
			Mu:            sweep.Range{Min: floats["mu-min"], Max: floats["mu-max"]},
			Monotonicity:  sweep.Range{Min: floats["monotonicity-min"], Max: floats["monotonicity-max"]},
		}
	}
	if f.lhs > 0 {
		s.LHS = designs.lhs
	}
	{
		fr := &sweep.Frontier{
			Concentrations: lists["concentrations"], Mus: lists["mus"], Monotonicities: lists["monotonicities"],
			MaxIterations: f.frontierIterations,
		}
		for _, v := range []struct {
			name, text string
			dst        *string
		}{{"frontier-low", f.frontierLow, &fr.KappaLow}, {"frontier-high", f.frontierHigh, &fr.KappaHigh}, {"frontier-tolerance", f.frontierTolerance, &fr.Tolerance}} {
			t, err := cliFloat(v.name, v.text)
			if err != nil {
				return nil, nil, err
			}
			*v.dst = t
		}
		designs.frontier = fr
	}
	if f.frontier {
		s.Frontier = designs.frontier
	}
	return s, designs, nil
}

// overrideSpec applies the flags given explicitly to a spec read from
// -config, as bilancio's sweep ring lets explicit options win over its
// --config file.
func overrideSpec(spec, flags *sweep.Spec, designs *ringFlagDesigns, set map[string]bool) {
	r, fr := &spec.Ring, &flags.Ring
	for name, apply := range map[string]func(){
		"n-agents":         func() { r.NAgents = fr.NAgents },
		"maturity-days":    func() { r.MaturityDays = fr.MaturityDays },
		"q-total":          func() { r.QTotal = fr.QTotal },
		"liquidity-mode":   func() { r.LiquidityMode = fr.LiquidityMode },
		"liquidity-agent":  func() { r.LiquidityAgent = fr.LiquidityAgent },
		"base-seed":        func() { r.BaseSeed = fr.BaseSeed },
		"name-prefix":      func() { r.NamePrefix = fr.NamePrefix },
		"default-handling": func() { r.DefaultHandling = fr.DefaultHandling },
		"kappa-rule":       func() { r.KappaRule = fr.KappaRule },
		"seed-mode":        func() { spec.SeedMode = flags.SeedMode },
		revisionFlagName:   func() { spec.BilancioRevision = flags.BilancioRevision },
		"job-id":           func() { spec.JobID = flags.JobID },
		"replicates":       func() { spec.Replicates = flags.Replicates },
	} {
		if set[name] {
			apply()
		}
	}
	if set["grid"] {
		spec.Grid = flags.Grid
	}
	if spec.Grid != nil && flags.Grid != nil {
		g, fg := spec.Grid, flags.Grid
		if set["kappas"] {
			g.Kappas = fg.Kappas
		}
		if set["concentrations"] {
			g.Concentrations = fg.Concentrations
		}
		if set["mus"] {
			g.Mus = fg.Mus
		}
		if set["monotonicities"] {
			g.Monotonicities = fg.Monotonicities
		}
	}
	lhsFlags := []string{"kappa-min", "kappa-max", "c-min", "c-max", "mu-min", "mu-max", "monotonicity-min", "monotonicity-max"}
	if set["lhs"] {
		spec.LHS = flags.LHS
	} else if spec.LHS != nil && anySet(set, lhsFlags) {
		fl := designs.lhs
		override := func(name string, dst *string, v string) {
			if set[name] && v != "" {
				*dst = v
			}
		}
		override("kappa-min", &spec.LHS.Kappa.Min, fl.Kappa.Min)
		override("kappa-max", &spec.LHS.Kappa.Max, fl.Kappa.Max)
		override("c-min", &spec.LHS.Concentration.Min, fl.Concentration.Min)
		override("c-max", &spec.LHS.Concentration.Max, fl.Concentration.Max)
		override("mu-min", &spec.LHS.Mu.Min, fl.Mu.Min)
		override("mu-max", &spec.LHS.Mu.Max, fl.Mu.Max)
		override("monotonicity-min", &spec.LHS.Monotonicity.Min, fl.Monotonicity.Min)
		override("monotonicity-max", &spec.LHS.Monotonicity.Max, fl.Monotonicity.Max)
	}
	if set["frontier"] {
		spec.Frontier = flags.Frontier
	} else if spec.Frontier != nil {
		f, ff := spec.Frontier, designs.frontier
		if set["concentrations"] {
			f.Concentrations = ff.Concentrations
		}
		if set["mus"] {
			f.Mus = ff.Mus
		}
		if set["monotonicities"] {
			f.Monotonicities = ff.Monotonicities
		}
		if set["frontier-low"] {
			f.KappaLow = ff.KappaLow
		}
		if set["frontier-high"] {
			f.KappaHigh = ff.KappaHigh
		}
		if set["frontier-tolerance"] {
			f.Tolerance = ff.Tolerance
		}
		if set["frontier-iterations"] {
			f.MaxIterations = ff.MaxIterations
		}
	}
}

// anySet reports whether any of the flags was given.
func anySet(set map[string]bool, names []string) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

// cliFloat reads a float option as bilancio's click does and prints it as
// its registry would: str(Decimal(str(float(text)))).
func cliFloat(name, text string) (string, error) {
	d, err := ring.ParseCLIFloat(text)
	if err != nil {
		return "", fmt.Errorf("-%s: %w", name, err)
	}
	return pynum.Str(d), nil
}

// decimalList reads a comma-separated list of decimals as bilancio's
// _decimal_list does (empty items skipped, each kept as written).
func decimalList(name, text string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := ring.ParseDecimal(part)
		if err != nil {
			return nil, fmt.Errorf("-%s: %w", name, err)
		}
		out = append(out, pynum.Str(d))
	}
	return out, nil
}

// modalExecutor is the name of the executor plugin -cloud selects.
const modalExecutor = "modal"

// cloudExecutor applies -cloud and -cloud-parallel: the sweep runs on the
// modal executor, keeping the configuration of a modal block from -config,
// with max_parallel set by -cloud-parallel.
func (f *sweepRingFlags) cloudExecutor(spec *sweep.Spec) error {
	if f.cloud && f.executor != "" && f.executor != modalExecutor {
		return fmt.Errorf("-cloud runs on the %s executor, -executor %s on another: give one of them", modalExecutor, f.executor)
	}
	if !f.cloud {
		if f.cloudParallel != 0 {
			return fmt.Errorf("-cloud-parallel needs -cloud")
		}
		return nil
	}
	if f.cloudParallel < 0 {
		return fmt.Errorf("-cloud-parallel must be >= 1, got %d", f.cloudParallel)
	}
	cfg := map[string]any{}
	if spec.Executor.Name == modalExecutor && len(spec.Executor.Config) > 0 {
		if err := json.Unmarshal(spec.Executor.Config, &cfg); err != nil {
			return fmt.Errorf("the modal executor block: %w", err)
		}
	}
	if f.cloudParallel > 0 {
		cfg["max_parallel"] = f.cloudParallel
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	spec.Executor = sweep.ExecutorRef{Name: modalExecutor, Config: js}
	return nil
}
