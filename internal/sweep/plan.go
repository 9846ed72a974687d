package sweep

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/artifacts"
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/revision"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/store"
	"github.com/bilancio-go/bilancio/sdk"
)

// Phases of a sweep: the design that asked for a run. The phase starts the
// run's id and fills the registry's phase column.
const (
	PhaseGrid     = "grid"
	PhaseLHS      = "lhs"
	PhaseFrontier = store.PhaseFrontier
)

// Plan is a validated Spec ready to be expanded into runs. It holds the
// designs' parsed values, never the runs themselves: Static streams the grid
// and Latin hypercube points, and Frontier returns the adaptive search that
// asks for its probes as results come in.
type Plan struct {
	spec     *Spec
	ring     ringSettings
	seedMode string
	// replicates is how many runs each static point gets (≥ 1).
	replicates int

	grid     [4][]*apd.Decimal // kappa, concentration, mu, monotonicity
	lhs      *lhsDesign
	frontier *frontierDesign
	// lhsDraws are the Latin hypercube's draws, made when first needed
	// (guarded by lhsMu).
	lhsMu    sync.Mutex
	lhsDraws *lhsTable
	// arm is set for one arm of a paired sweep (see paired.go); arms is 2
	// for the plan of a whole paired sweep (its first arm's, counting both).
	arm  *armSettings
	arms int

	// fingerprint identifies the plan: the ring settings, the designs and
	// the seed mode; ringKey the ring settings alone (see pointKey).
	fingerprint, ringKey string
}

// ringSettings are the parsed ring parameters shared by every run.
type ringSettings struct {
	RingParams
	qTotal    *apd.Decimal
	kappaRule ring.KappaRule
	// generator is the ring generator's revision (the bilancio revision's).
	generator ring.Revision
	options   sdk.RunOptions
	// revision is the bilancio revision the sweep reproduces.
	revision revision.Revision
}

// lhsDesign is a parsed LHS block.
type lhsDesign struct {
	count  int
	ranges [4][2]*apd.Decimal
}

// frontierDesign is a parsed Frontier block.
type frontierDesign struct {
	axes                 [3][]*apd.Decimal // concentration, mu, monotonicity
	low, high, tolerance *apd.Decimal
	maxIterations        int
	// higherIsLiquid says a higher kappa is more liquidity (the kappa
	// rule's direction, which the search follows).
	higherIsLiquid bool
}

// NewPlan validates s and returns its plan. Every problem is reported, each
// naming the setting at fault.
func NewPlan(s *Spec) (*Plan, error) {
	if s == nil {
		return nil, errors.New("sweep: no spec")
	}
	if s.Paired != nil && s.Arm == nil {
		// A paired sweep is planned as its arms; its plan is the first
		// arm's, counting both arms' runs.
		_, plans, err := armSpecs(s)
		if err != nil {
			return nil, err
		}
		p := plans[0]
		p.arms = 2
		return p, nil
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	p := &Plan{spec: s, seedMode: s.SeedMode}
	switch p.seedMode {
	case "":
		p.seedMode = SeedCounter
	case SeedCounter, SeedDerived:
	default:
		bad("seed_mode must be %q or %q, not %q", SeedCounter, SeedDerived, s.SeedMode)
	}
	if s.Retries < 0 {
		bad("retries must be >= 0, got %d", s.Retries)
	}
	if s.Parallel < 0 {
		bad("parallel must be >= 0, got %d", s.Parallel)
	}
	p.replicates = max(s.Replicates, 1)
	if s.Replicates < 0 {
		bad("replicates must be >= 1, got %d", s.Replicates)
	}
	if s.Replicates > 1 && s.Frontier != nil {
		bad("replicates apply to grid and lhs points: a frontier search runs one probe per kappa (drop replicates or the frontier)")
	}
	rev, err := revision.Lookup(s.BilancioRevision)
	if err != nil {
		bad("bilancio_revision: %v", err)
	}
	p.ring = parseRing(s.Ring, rev, bad)
	if _, _, err := artifacts.Keep(s.Artifacts); err != nil {
		bad("%v", err)
	}
	p.ring.options.Artifacts = s.Artifacts
	p.arm = parseArm(s, &p.ring, bad)

	if g := s.Grid; g != nil {
		lists := [4][]string{g.Kappas, g.Concentrations, g.Mus, g.Monotonicities}
		for i, name := range axisNames {
			if len(lists[i]) == 0 && i == axisMonotonicity {
				lists[i] = []string{"0"} // bilancio's default
			}
			if len(lists[i]) == 0 {
				bad("grid: %s must list at least one value", pluralAxis[i])
			}
			p.grid[i] = parseList("grid."+pluralAxis[i], name, lists[i], bad)
		}
	}
	if l := s.LHS; l != nil && l.Count > 0 {
		d := &lhsDesign{count: l.Count}
		ranges := [4]Range{l.Kappa, l.Concentration, l.Mu, l.Monotonicity}
		if ranges[axisMonotonicity] == (Range{}) {
			ranges[axisMonotonicity] = Range{"0", "0"}
		}
		for i, name := range axisNames {
			r := ranges[i]
			if r.Min == "" || r.Max == "" {
				bad("lhs: %s_range needs a minimum and a maximum", name)
				continue
			}
			d.ranges[i][0] = parseValue("lhs."+name+"_range", name, r.Min, bad)
			d.ranges[i][1] = parseValue("lhs."+name+"_range", name, r.Max, bad)
		}
		if msg := CheckLHSCount(l.Count); msg != "" {
			bad("lhs: %s", msg)
		}
		p.lhs = d
	} else if l != nil && l.Count < 0 {
		bad("lhs: count must be >= 0, got %d", l.Count)
	}
	if f := s.Frontier; f != nil {
		d := &frontierDesign{maxIterations: f.MaxIterations, higherIsLiquid: p.ring.kappaRule.MoreLiquidityAtHigherKappa()}
		lists := [3][]string{f.Concentrations, f.Mus, f.Monotonicities}
		for i, name := range axisNames[1:] {
			if len(lists[i]) == 0 && i+1 == axisMonotonicity {
				lists[i] = []string{"0"}
			}
			if len(lists[i]) == 0 {
				bad("frontier: %s must list at least one value", pluralAxis[i+1])
			}
			d.axes[i] = parseList("frontier."+pluralAxis[i+1], name, lists[i], bad)
		}
		for _, v := range []struct {
			name, text string
			dst        **apd.Decimal
		}{{"kappa_low", f.KappaLow, &d.low}, {"kappa_high", f.KappaHigh, &d.high}, {"tolerance", f.Tolerance, &d.tolerance}} {
			if v.text == "" {
				bad("frontier: %s is required", v.name)
				continue
			}
			x, err := ring.ParseDecimal(v.text)
			if err != nil {
				bad("frontier: %s: %v", v.name, err)
				continue
			}
			*v.dst = x
		}
		if d.low != nil && d.low.Sign() <= 0 {
			bad("frontier: kappa_low must be > 0, got %s", pynum.Str(d.low))
		}
		if d.low != nil && d.high != nil && d.high.Cmp(d.low) <= 0 {
			bad("frontier: kappa_high (%s) must be above kappa_low (%s)", pynum.Str(d.high), pynum.Str(d.low))
		}
		if d.tolerance != nil && d.tolerance.Sign() < 0 {
			bad("frontier: tolerance must be >= 0, got %s", pynum.Str(d.tolerance))
		}
		if f.MaxIterations < 0 {
			bad("frontier: max_iterations must be >= 0, got %d", f.MaxIterations)
		}
		p.frontier = d
	}
	if s.Grid == nil && p.lhs == nil && s.Frontier == nil {
		bad("the sweep has no design: give a grid, an lhs or a frontier")
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid sweep: %w", errors.Join(errs...))
	}
	p.ringKey = p.ringFingerprint()
	p.fingerprint = p.computeFingerprint()
	// A point must generate: this catches what only the generator checks
	// (a liquidity agent outside the ring, for example).
	if _, err := p.generate(p.samplePoint()); err != nil {
		return nil, fmt.Errorf("invalid sweep: %w", err)
	}
	return p, nil
}

// samplePoint is a point of the plan, found without drawing the Latin
// hypercube: the first grid point, else the lower corner of the Latin
// hypercube, else the first frontier cell at kappa_low.
func (p *Plan) samplePoint() Point {
	pt := Point{Phase: PhaseGrid, Seed: p.ring.BaseSeed, Rho: p.rhos()[0]}
	switch {
	case p.spec.Grid != nil:
		pt.Phase = p.gridPhase()
		pt.Kappa, pt.Concentration, pt.Mu, pt.Monotonicity = p.grid[0][0], p.grid[1][0], p.grid[2][0], p.grid[3][0]
	case p.lhs != nil:
		r := &p.lhs.ranges
		pt.Phase = PhaseLHS
		pt.Kappa, pt.Concentration, pt.Mu, pt.Monotonicity = r[0][0], r[1][0], r[2][0], r[3][0]
	default:
		d := p.frontier
		pt.Phase, pt.Label = PhaseFrontier, "low"
		pt.Kappa, pt.Concentration, pt.Mu, pt.Monotonicity = d.low, d.axes[0][0], d.axes[1][0], d.axes[2][0]
	}
	return pt
}

// Axes of a point, in bilancio's loop order.
const (
	axisKappa = iota
	axisConcentration
	axisMu
	axisMonotonicity
)

var (
	axisNames  = [4]string{"kappa", "concentration", "mu", "monotonicity"}
	pluralAxis = [4]string{"kappas", "concentrations", "mus", "monotonicities"}
)

// parseRing checks the ring parameters.
func parseRing(r RingParams, rev revision.Revision, bad func(string, ...any)) ringSettings {
	rs := ringSettings{RingParams: r, revision: rev, generator: rev.Generator}
	if r.NAgents < 3 {
		bad("n_agents must be at least 3, got %d", r.NAgents)
	}
	if r.MaturityDays < 1 {
		bad("maturity_days must be at least 1, got %d", r.MaturityDays)
	}
	if r.QTotal == "" {
		bad("q_total is required")
	} else if q, err := ring.ParseDecimal(r.QTotal); err != nil {
		bad("q_total: %v", err)
	} else if q.Sign() <= 0 {
		bad("q_total must be > 0, got %s", r.QTotal)
	} else {
		rs.qTotal = q
	}
	switch strings.ReplaceAll(r.LiquidityMode, "-", "_") {
	case "", string(ring.Uniform):
		rs.LiquidityMode = string(ring.Uniform)
	case string(ring.SingleAt):
		rs.LiquidityMode = string(ring.SingleAt)
		if rs.LiquidityAgent == "" {
			rs.LiquidityAgent = "H1"
		}
	default:
		bad("liquidity_mode must be uniform or single_at, not %q", r.LiquidityMode)
	}
	switch r.DefaultHandling {
	case "", "fail-fast", "expel-agent":
	default:
		bad("default_handling must be fail-fast or expel-agent, not %q", r.DefaultHandling)
	}
	rs.kappaRule = rev.KappaRule
	if rs.kappaRule == "" {
		rs.kappaRule = ring.DebtOverLiquidity
	}
	if r.KappaRule != "" {
		k, err := ring.ParseKappaRule(r.KappaRule)
		if err != nil {
			bad("kappa_rule: %v", err)
		}
		rs.kappaRule = k
	}
	if r.MaxDays < 0 {
		bad("max_days must be >= 0, got %d", r.MaxDays)
	}
	if r.HasQuietDays && r.QuietDays < 0 {
		bad("quiet_days must be >= 0, got %d", r.QuietDays)
	}
	if rs.NamePrefix == "" {
		rs.NamePrefix = ring.DefaultNamePrefix
	}
	rs.options = sdk.RunOptions{
		DefaultHandling: r.DefaultHandling,
		CheckInvariants: "daily", // as bilancio's sweep runner
		HTML:            true,
		SummaryRule:     string(rev.SummaryRule),
	}
	return rs
}

// parseList parses a design's list of decimal texts.
func parseList(where, axis string, texts []string, bad func(string, ...any)) []*apd.Decimal {
	out := make([]*apd.Decimal, 0, len(texts))
	for _, t := range texts {
		if d := parseValue(where, axis, t, bad); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// parseValue parses one decimal text of an axis and checks its domain.
func parseValue(where, axis, text string, bad func(string, ...any)) *apd.Decimal {
	d, err := ring.ParseDecimal(text)
	if err != nil {
		bad("%s: %v", where, err)
		return nil
	}
	one := apd.New(1, 0)
	switch axis {
	case "kappa", "concentration":
		if d.Sign() <= 0 {
			bad("%s: %s must be > 0, got %s", where, axis, text)
		}
	case "mu":
		if d.Sign() < 0 || d.Cmp(one) > 0 {
			bad("%s: mu must be in [0, 1], got %s", where, text)
		}
	case "monotonicity":
		if d.Cmp(apd.New(-1, 0)) < 0 || d.Cmp(one) > 0 {
			bad("%s: monotonicity must be in [-1, 1], got %s", where, text)
		}
	}
	return d
}

// Spec returns the spec the plan was made from.
func (p *Plan) Spec() *Spec { return p.spec }

// SeedMode is SeedCounter or SeedDerived.
func (p *Plan) SeedMode() string { return p.seedMode }

// Fingerprint is a short hash of everything that decides the runs of the
// plan (ring settings, designs, seed mode, engine version).
func (p *Plan) Fingerprint() string { return p.fingerprint }

// Replicates is how many runs each grid and LHS point gets (1 without
// replicates).
func (p *Plan) Replicates() int { return p.replicates }

// GridCount is the number of grid runs (replicates included).
func (p *Plan) GridCount() int {
	if p.spec.Grid == nil {
		return 0
	}
	n := satMul(len(p.rhos()), p.replicates)
	for _, axis := range p.grid {
		n = satMul(n, len(axis))
	}
	return n
}

// LHSCount is the number of Latin hypercube runs (replicates included).
func (p *Plan) LHSCount() int {
	if p.lhs == nil {
		return 0
	}
	return satMul(p.lhs.count, p.replicates)
}

// StaticCount is the number of runs known in advance: grid and LHS.
func (p *Plan) StaticCount() int { return satMul(satAdd(p.GridCount(), p.LHSCount()), max(p.arms, 1)) }

// FrontierCells is the number of (concentration, mu, monotonicity) cells the
// frontier search covers (0 without a frontier).
func (p *Plan) FrontierCells() int {
	if p.frontier == nil {
		return 0
	}
	return satMul(satMul(len(p.frontier.axes[0]), len(p.frontier.axes[1])), len(p.frontier.axes[2]))
}

// MaxFrontierProbes bounds the frontier's runs: per cell the low probe, the
// high probe and its expansions, and the bisection steps.
func (p *Plan) MaxFrontierProbes() int {
	if p.frontier == nil {
		return 0
	}
	return satMul(p.FrontierCells(), satAdd(2+p.frontier.maxExpansions(), p.frontier.maxIterations))
}

// Static streams the runs known in advance, in bilancio's order: the grid
// (kappa → concentration → mu → monotonicity), then the Latin hypercube.
// With replicates, the whole sequence is repeated once per replicate, the
// seed counter running on: replicate 0 is the sweep without replicates,
// run for run, and every replicate gives a first look at the whole design.
// Seeds are assigned as they are yielded; nothing is kept but the Latin
// hypercube's draws (LHSBytesPerPoint bytes a point, made when its first
// point is asked for, the same for every replicate). The stream ends early
// when ctx is done: callers tell an interrupted stream from a finished one
// by ctx.Err().
func (p *Plan) Static(ctx context.Context) iter.Seq[Point] {
	return func(yield func(Point) bool) {
		index := 0
		seeds := p.seeds()
		var lhsStream *int64
		replicate := 0
		emit := func(pt Point) bool {
			if index%checkEvery == 0 && ctx.Err() != nil {
				return false
			}
			pt.Index, pt.Replicate = index, replicate
			pt.Seed = seeds.next(&pt)
			index++
			return yield(pt)
		}
		for replicate = range p.replicates {
			if !p.staticOnce(ctx, emit, seeds, &lhsStream) {
				return
			}
		}
	}
}

// staticOnce streams the grid and the Latin hypercube once, through emit;
// it reports false when the stream is to stop. lhsStream is the Latin
// hypercube's stream seed, taken the first time it is needed (the counter
// after the first grid, as bilancio's).
func (p *Plan) staticOnce(ctx context.Context, emit func(Point) bool, seeds *seeder, lhsStream **int64) bool {
	if p.spec.Grid != nil {
		g := p.grid
		phase := p.gridPhase()
		for _, rho := range p.rhos() {
			for _, k := range g[axisKappa] {
				for _, c := range g[axisConcentration] {
					for _, mu := range g[axisMu] {
						for _, m := range g[axisMonotonicity] {
							if !emit(Point{Phase: phase, Kappa: k, Concentration: c, Mu: mu, Monotonicity: m, Rho: rho}) {
								return false
							}
						}
					}
				}
			}
		}
	}
	if p.lhs == nil {
		return true
	}
	if *lhsStream == nil {
		seed := seeds.lhsStreamSeed()
		*lhsStream = &seed
	}
	t, err := p.lhsTable(ctx, **lhsStream)
	if err != nil {
		return false
	}
	for i := range p.lhs.count {
		pt := Point{Phase: PhaseLHS, Kappa: t.value(axisKappa, i), Concentration: t.value(axisConcentration, i),
			Mu: t.value(axisMu, i), Monotonicity: t.value(axisMonotonicity, i)}
		if !emit(pt) {
			return false
		}
	}
	return true
}

// lhsTable returns the Latin hypercube's draws, drawing them the first time.
func (p *Plan) lhsTable(ctx context.Context, streamSeed int64) (*lhsTable, error) {
	p.lhsMu.Lock()
	defer p.lhsMu.Unlock()
	if p.lhsDraws == nil {
		t, err := newLHSTable(ctx, p.lhs, streamSeed)
		if err != nil {
			return nil, err
		}
		p.lhsDraws = t
	}
	return p.lhsDraws, nil
}

// Frontier returns a new frontier search, or nil when the plan has none. It
// starts after the static runs: its probes' indexes (and, with counter
// seeds, their seeds) continue from theirs.
func (p *Plan) Frontier() *FrontierSearch {
	if p.frontier == nil {
		return nil
	}
	return newFrontierSearch(p)
}

// Params returns the generator parameters of a point.
func (p *Plan) Params(pt Point) ring.Params {
	r := &p.ring
	params := ring.Params{
		NAgents:         r.NAgents,
		Seed:            pt.Seed,
		Kappa:           pt.Kappa,
		KappaRule:       r.kappaRule,
		Revision:        r.generator,
		QTotal:          r.qTotal,
		Liquidity:       ring.LiquidityMode(r.LiquidityMode),
		LiquidityAgent:  r.LiquidityAgent,
		Concentration:   pt.Concentration,
		Monotonicity:    pt.Monotonicity,
		MaturityDays:    r.MaturityDays,
		Mu:              pt.Mu,
		NamePrefix:      r.NamePrefix,
		DefaultHandling: r.DefaultHandling,
		MaxDays:         r.MaxDays,
	}
	if r.HasQuietDays {
		q := r.QuietDays
		params.QuietDays = &q
	}
	return params
}

// RunOptions are the options every run of the plan is executed with.
func (p *Plan) RunOptions() sdk.RunOptions { return p.ring.options }
