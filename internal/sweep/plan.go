package sweep

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"

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
	// heads is where the plan's generated scenarios share their heads.
	heads *ring.Heads

	// swept are the swept parameters (ring.Sweepable); grid holds the
	// grid's values of each, by its index there ({nil} for one the
	// sweep's rings do not have).
	swept    [ring.NumSwept]ring.Swept
	grid     [ring.NumSwept][]*pynum.Amount
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
	qTotal    *pynum.Amount
	kappaRule ring.KappaRule
	// generator is the ring generator's revision (the bilancio revision's).
	generator ring.Revision
	options   sdk.RunOptions
	// revision is the bilancio revision the sweep reproduces.
	revision revision.Revision
}

// lhsDesign is a parsed LHS block: the [min, max] range of each swept
// parameter it draws (nil for one it does not).
type lhsDesign struct {
	count  int
	ranges [ring.NumSwept]*[2]*pynum.Amount
}

// frontierDesign is a parsed Frontier block: the cells' values of every
// swept parameter but kappa ({nil} for one the rings do not have).
type frontierDesign struct {
	cells                [ring.NumSwept][]*pynum.Amount
	low, high, tolerance *pynum.Amount
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
	p := &Plan{spec: s, seedMode: s.SeedMode, heads: &ring.Heads{}}
	if p.seedMode == "" {
		p.seedMode = SeedCounter
	}
	check := func(msg string) {
		if msg != "" {
			bad("%s", msg)
		}
	}
	check(CheckSeedMode(p.seedMode))
	check(CheckRetries(int64(s.Retries)))
	check(CheckParallel(int64(s.Parallel)))
	check(CheckReplicates(int64(s.Replicates)))
	p.replicates = max(s.Replicates, 1)
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

	p.swept = ring.Sweepable()
	if s.Grid != nil {
		p.grid = p.parseLists("grid", s.Grid, -1, bad)
	}
	if l := s.LHS; l != nil && l.Count > 0 {
		p.lhs = p.parseLHS(l, bad)
	} else if l != nil && l.Count < 0 {
		bad("lhs: %s", CheckLHSCount(l.Count))
	}
	if f := s.Frontier; f != nil {
		d := &frontierDesign{maxIterations: f.MaxIterations, higherIsLiquid: p.ring.kappaRule.MoreLiquidityAtHigherKappa()}
		d.cells = p.parseLists("frontier", f.Cells, ring.SweptKappa, bad)
		for _, v := range []struct {
			name, text string
			dst        **pynum.Amount
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
			*v.dst = &x
		}
		for _, msg := range CheckFrontier(d.low, d.high, d.tolerance, f.MaxIterations) {
			bad("frontier: %s", msg)
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
	pt := Point{Phase: PhaseGrid, Seed: p.ring.BaseSeed}
	switch {
	case p.spec.Grid != nil:
		pt.Phase = p.gridPhase()
		for i := range pt.Values {
			pt.Values[i] = p.grid[i][0]
		}
	case p.lhs != nil:
		pt.Phase = PhaseLHS
		for i, r := range p.lhs.ranges {
			if r != nil {
				pt.Values[i] = r[0]
			}
		}
	default:
		d := p.frontier
		pt.Phase, pt.Label = PhaseFrontier, "low"
		for i := range pt.Values {
			pt.Values[i] = d.cells[i][0]
		}
		pt.Values[ring.SweptKappa] = d.low
	}
	return pt
}

// parseLists parses a grid's lists, or a frontier's cells (skip is kappa's
// index, -1 for a grid), into values by swept parameter. A parameter a
// balanced sweep's arm gives (ρ) takes the arm's values; one left out takes
// its default, and is an error without one if it is bilancio's (a registry
// column), else has no value ({nil}).
func (p *Plan) parseLists(design string, lists Grid, skip int, bad func(string, ...any)) [ring.NumSwept][]*pynum.Amount {
	var out [ring.NumSwept][]*pynum.Amount
	none := []*pynum.Amount{nil}
	for name := range lists {
		if sp := ring.SweptNamed(name); sp == nil || sp.Plural != name || sp.Name == "kappa" && skip >= 0 {
			bad("%s: %q is not a list of a parameter it varies", design, name)
		}
	}
	for i := range p.swept {
		sp := &p.swept[i]
		list, given := lists[sp.Plural]
		switch {
		case i == skip:
			out[i] = none
			continue
		case sp.Balanced:
			if given {
				bad("%s: %s are given by a balanced sweep's outside_mid_ratios", design, sp.Plural)
			}
			out[i] = p.rhos()
			continue
		case len(list) == 0 && sp.Default != "":
			list = []string{sp.Default}
		case len(list) == 0 && sp.Registry:
			bad("%s: %s must list at least one value", design, sp.Plural)
		case len(list) == 0:
			out[i] = none
			continue
		}
		out[i] = parseList(design+"."+sp.Plural, sp, list, bad)
	}
	return out
}

// parseLHS parses a Latin hypercube's count and ranges.
func (p *Plan) parseLHS(l *LHS, bad func(string, ...any)) *lhsDesign {
	d := &lhsDesign{count: l.Count}
	for name := range l.Ranges {
		if sp := ring.SweptNamed(name); sp == nil || sp.Name != name || sp.Balanced {
			bad("lhs: %q is not a parameter it draws", name)
		}
	}
	for i := range p.swept {
		sp := &p.swept[i]
		r, given := l.Ranges[sp.Name]
		switch {
		case sp.Balanced:
			continue
		case !given && sp.Default != "":
			r = Range{sp.Default, sp.Default}
		case !given && !sp.Registry:
			continue
		}
		if r.Min == "" || r.Max == "" {
			bad("lhs: %s_range needs a minimum and a maximum", sp.Name)
			continue
		}
		lo := parseValue("lhs."+sp.Name+"_range", sp, r.Min, bad)
		hi := parseValue("lhs."+sp.Name+"_range", sp, r.Max, bad)
		if lo != nil && hi != nil {
			d.ranges[i] = &[2]*pynum.Amount{lo, hi}
		}
	}
	if msg := CheckLHSCount(l.Count); msg != "" {
		bad("lhs: %s", msg)
	}
	return d
}

// parseRing checks the ring parameters with package ring's rules, and
// fills in the generator's defaults.
func parseRing(r RingParams, rev revision.Revision, bad func(string, ...any)) ringSettings {
	rs := ringSettings{RingParams: r, revision: rev, generator: rev.Generator}
	check := func(msg string) {
		if msg != "" {
			bad("%s", msg)
		}
	}
	check(ring.CheckNAgents(int64(r.NAgents)))
	check(ring.CheckMaturityDays(int64(r.MaturityDays)))
	if r.QTotal == "" {
		bad("q_total is required")
	} else if q, err := ring.ParseDecimal(r.QTotal); err != nil {
		bad("q_total: %v", err)
	} else if msg := ring.CheckQTotal(q); msg != "" {
		bad("%s", msg)
	} else {
		rs.qTotal = &q
	}
	rs.LiquidityMode = strings.ReplaceAll(cmp.Or(r.LiquidityMode, string(ring.Uniform)), "-", "_")
	check(ring.CheckLiquidityMode(rs.LiquidityMode))
	if rs.LiquidityMode == string(ring.SingleAt) {
		rs.LiquidityAgent = cmp.Or(rs.LiquidityAgent, ring.DefaultLiquidityAgent)
		if ring.CheckNAgents(int64(r.NAgents)) == "" {
			check(ring.CheckLiquidityAgent(rs.LiquidityAgent, int64(r.NAgents)))
		}
	}
	if r.DefaultHandling != "" {
		check(ring.CheckDefaultHandling(r.DefaultHandling))
	}
	rs.kappaRule = cmp.Or(rev.KappaRule, ring.DebtOverLiquidity)
	if r.KappaRule != "" {
		if msg := ring.CheckKappaRule(r.KappaRule); msg != "" {
			bad("%s", msg)
		} else {
			rs.kappaRule, _ = ring.ParseKappaRule(r.KappaRule)
		}
	}
	if r.MaxDays != 0 {
		check(ring.CheckMaxDays(int64(r.MaxDays)))
	}
	if r.HasQuietDays {
		check(ring.CheckQuietDays(int64(r.QuietDays)))
	}
	rs.NamePrefix = cmp.Or(rs.NamePrefix, ring.DefaultNamePrefix)
	rs.options = sdk.RunOptions{
		DefaultHandling: r.DefaultHandling,
		CheckInvariants: "daily", // as bilancio's sweep runner
		HTML:            true,
		SummaryRule:     string(rev.SummaryRule),
	}
	return rs
}

// parseList parses a design's list of decimal texts.
func parseList(where string, sp *ring.Swept, texts []string, bad func(string, ...any)) []*pynum.Amount {
	out := make([]*pynum.Amount, 0, len(texts))
	for _, t := range texts {
		if d := parseValue(where, sp, t, bad); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// parseValue parses one decimal text of a swept parameter and checks it.
func parseValue(where string, sp *ring.Swept, text string, bad func(string, ...any)) *pynum.Amount {
	d, err := ring.ParseDecimal(text)
	if err != nil {
		bad("%s: %v", where, err)
		return nil
	}
	if msg := sp.Check(d); msg != "" {
		bad("%s: %s", where, msg)
	}
	return &d
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
	n := p.replicates
	for _, values := range p.grid {
		n = satMul(n, len(values))
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
	n := 1
	for _, values := range p.frontier.cells {
		n = satMul(n, len(values))
	}
	return n
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
		phase := p.gridPhase()
		ok := true
		product(&p.grid, func(values *[ring.NumSwept]*pynum.Amount) bool {
			ok = emit(Point{Phase: phase, Values: *values})
			return ok
		})
		if !ok {
			return false
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
		pt := Point{Phase: PhaseLHS}
		for a := range pt.Values {
			pt.Values[a] = t.value(a, i)
		}
		if !emit(pt) {
			return false
		}
	}
	return true
}

// product calls yield with every combination of lists' values, in a grid's
// loop order (ring.LoopOrder: the last list of it turns fastest), until
// yield returns false.
func product(lists *[ring.NumSwept][]*pynum.Amount, yield func(*[ring.NumSwept]*pynum.Amount) bool) {
	order := ring.LoopOrder()
	var values [ring.NumSwept]*pynum.Amount
	var at [ring.NumSwept]int
	for i, l := range lists {
		if len(l) == 0 {
			return
		}
		values[i] = l[0]
	}
	for {
		if !yield(&values) {
			return
		}
		// The odometer, over the lists in loop order.
		k := len(order) - 1
		for ; k >= 0; k-- {
			i := order[k]
			at[i]++
			if at[i] < len(lists[i]) {
				values[i] = lists[i][at[i]]
				break
			}
			at[i] = 0
			values[i] = lists[i][0]
		}
		if k < 0 {
			return
		}
	}
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

// Params returns the generator parameters of a point: the ring settings,
// the point's seed and its values of the swept parameters, as a balanced
// ring's (whose Params are a plain ring's).
func (p *Plan) Params(pt Point) ring.BalancedParams {
	r := &p.ring
	params := ring.BalancedParams{Params: ring.Params{
		NAgents:         r.NAgents,
		Seed:            pt.Seed,
		KappaRule:       r.kappaRule,
		Revision:        r.generator,
		QTotal:          r.qTotal,
		Liquidity:       ring.LiquidityMode(r.LiquidityMode),
		LiquidityAgent:  r.LiquidityAgent,
		MaturityDays:    r.MaturityDays,
		NamePrefix:      r.NamePrefix,
		DefaultHandling: r.DefaultHandling,
		MaxDays:         r.MaxDays,
	}}
	if r.HasQuietDays {
		q := r.QuietDays
		params.QuietDays = &q
	}
	for i, v := range pt.Values {
		if v != nil {
			p.swept[i].Set(&params, v)
		}
	}
	return params
}

// RunOptions are the options every run of the plan is executed with.
func (p *Plan) RunOptions() sdk.RunOptions { return p.ring.options }
