package config

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
)

// RingFlags are the options of bilancio's own `sweep ring` command, with its
// names and defaults: the third input format config turns into a Spec,
// beside sweep files and bilancio's YAML sweep configs. The swept
// parameters' options come from ring.Sweepable: a list -<plural> for the
// grid (and the frontier's cells) and a range -<flag>-min, -<flag>-max for
// the Latin hypercube.
type RingFlags struct {
	grid, frontier        bool
	lists                 map[string]*string    // by plural
	ranges                map[string]*[2]string // by name: min, max
	lhs                   intFlag
	frontierLow           string
	frontierHigh          string
	frontierTolerance     string
	frontierIterations    intFlag
	nAgents, maturityDays intFlag
	qTotal                string
	liquidityMode         string
	liquidityAgent        string
	baseSeed              intFlag
	namePrefix            string
	defaultHandling       string
	seedMode, kappaRule   string
	replicates            intFlag
}

// Register defines the flags on fs.
func (f *RingFlags) Register(fs *flag.FlagSet) {
	f.lists, f.ranges = map[string]*string{}, map[string]*[2]string{}
	grid, ranges := DefaultGrid(), DefaultLHSRanges()
	fs.BoolVar(&f.grid, "grid", true, "run the grid (-grid=false is bilancio's --no-grid)")
	for _, sp := range ring.Sweepable() {
		if sp.Balanced {
			continue
		}
		f.lists[sp.Plural] = new(string)
		fs.StringVar(f.lists[sp.Plural], sp.Plural, grid[sp.Plural], "comma-separated grid "+sp.Plural)
		r := ranges[sp.Name]
		f.ranges[sp.Name] = &r
		fs.StringVar(&f.ranges[sp.Name][0], sp.RangeFlag()+"-min", r[0], "LHS minimum "+sp.Name)
		fs.StringVar(&f.ranges[sp.Name][1], sp.RangeFlag()+"-max", r[1], "LHS maximum "+sp.Name)
	}
	fs.Var(&f.lhs, "lhs", "draw `N` Latin hypercube points (0: none)")
	fs.BoolVar(&f.frontier, "frontier", false, "run the frontier search over the grid's concentration, mu and monotonicity cells")
	fs.StringVar(&f.frontierLow, "frontier-low", defaultFrontierLow, "frontier lower bound for kappa")
	fs.StringVar(&f.frontierHigh, "frontier-high", defaultFrontierHigh, "frontier initial upper bound for kappa")
	fs.StringVar(&f.frontierTolerance, "frontier-tolerance", defaultFrontierTolerance, "frontier tolerance on delta_total")
	f.frontierIterations = defaultFrontierIterations
	fs.Var(&f.frontierIterations, "frontier-iterations", "at most `N` bisection steps per cell")
	f.nAgents, f.maturityDays = defaultNAgents, defaultMaturityDays
	fs.Var(&f.nAgents, "n-agents", "ring size: `N` agents")
	fs.Var(&f.maturityDays, "maturity-days", "due-day horizon: `N` days")
	fs.StringVar(&f.qTotal, "q-total", defaultQTotal, "total dues S1 (read as a float, as bilancio does: 10000 is recorded 10000.0)")
	fs.StringVar(&f.liquidityMode, "liquidity-mode", defaultLiquidityMode, "single_at or uniform")
	fs.StringVar(&f.liquidityAgent, "liquidity-agent", ring.DefaultLiquidityAgent, "the agent holding all liquidity in single_at mode")
	f.baseSeed = defaultBaseSeed
	fs.Var(&f.baseSeed, "base-seed", "the first `seed`")
	fs.StringVar(&f.namePrefix, "name-prefix", ring.DefaultNamePrefix, "scenario name prefix")
	fs.StringVar(&f.defaultHandling, "default-handling", defaultDefaultHandling, "fail-fast or expel-agent")
	fs.Var(&f.replicates, "replicates", "`N` runs per grid and LHS point, each with its own seed (0 or 1: one; replicate 0 is the run without replicates)")
	fs.StringVar(&f.seedMode, "seed-mode", sweep.SeedCounter, "counter (bilancio's seeds) or derived (each run's seed from its parameters)")
	fs.StringVar(&f.kappaRule, "kappa-rule", "", "debt-over-liquidity (bilancio's recorded data: L0 = Q/kappa) or liquidity-over-debt (bilancio 2026-01: L0 = Q·kappa); default: the revision's")
}

// intFlag is a whole-number flag whose value out of int64's range is
// refused with "out of range" and the value written short.
type intFlag int64

func (n *intFlag) String() string { return strconv.FormatInt(int64(*n), 10) }

// Set implements flag.Value.
func (n *intFlag) Set(s string) error {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return ring.IntOutOfRange(s)
	}
	if err != nil {
		return fmt.Errorf("not a whole number: %q", s)
	}
	*n = intFlag(v)
	return nil
}

// Spec builds the sweep the flags describe (the flags not given at their
// defaults). Every value is checked by the rule every input shares; a
// problem names its flag.
func (f *RingFlags) Spec() (*sweep.Spec, error) {
	return f.spec(nil)
}

// Override applies the flags given explicitly (set, by name) to a spec read
// from -config, as bilancio's sweep ring lets explicit options win over
// its --config file.
func (f *RingFlags) Override(spec *sweep.Spec, set map[string]bool) error {
	_, err := f.spec(&override{spec: spec, set: set})
	return err
}

// override is a spec the flags given explicitly override.
type override struct {
	spec *sweep.Spec
	set  map[string]bool
}

// spec builds the flags' Spec, or with o applies the explicit ones to
// o.spec.
func (f *RingFlags) spec(o *override) (*sweep.Spec, error) {
	var errs []error
	bad := func(name, msg string) { errs = append(errs, fmt.Errorf("-%s: %s", name, msg)) }
	given := func(name string) bool { return o == nil || o.set[name] }
	s := &sweep.Spec{SeedMode: f.seedMode, Replicates: int(f.replicates)}
	if o != nil {
		s = o.spec
	}
	r := &s.Ring
	ints := []struct {
		name string
		v    int64
		rule func(int64) string
		dst  func(int64)
	}{
		{"n-agents", int64(f.nAgents), ring.CheckNAgents, func(n int64) { r.NAgents = int(n) }},
		{"maturity-days", int64(f.maturityDays), ring.CheckMaturityDays, func(n int64) { r.MaturityDays = int(n) }},
		{"base-seed", int64(f.baseSeed), func(int64) string { return "" }, func(n int64) { r.BaseSeed = n }},
		{"replicates", int64(f.replicates), sweep.CheckReplicates, func(n int64) { s.Replicates = int(n) }},
	}
	for _, v := range ints {
		if !given(v.name) {
			continue
		}
		if msg := v.rule(v.v); msg != "" {
			bad(v.name, msg)
		}
		v.dst(v.v)
	}
	if given("q-total") {
		if q, err := CLIFloat(f.qTotal); err != nil {
			bad("q-total", ring.Problem("q_total", err))
		} else if msg := ring.CheckQTotal(*mustDecimal(q)); msg != "" {
			bad("q-total", msg)
		} else {
			r.QTotal = q
		}
	}
	strs := []struct {
		name, v string
		rule    func(string) string
		dst     *string
	}{
		{"liquidity-mode", f.liquidityMode, ring.CheckLiquidityMode, &r.LiquidityMode},
		{"liquidity-agent", f.liquidityAgent, func(string) string { return "" }, &r.LiquidityAgent},
		{"name-prefix", f.namePrefix, func(string) string { return "" }, &r.NamePrefix},
		{"default-handling", f.defaultHandling, ring.CheckDefaultHandling, &r.DefaultHandling},
		{"seed-mode", f.seedMode, sweep.CheckSeedMode, &s.SeedMode},
	}
	for _, v := range strs {
		if !given(v.name) {
			continue
		}
		if msg := v.rule(v.v); msg != "" {
			bad(v.name, msg)
		}
		*v.dst = v.v
	}
	if o == nil && r.LiquidityMode == string(ring.SingleAt) && ring.CheckNAgents(int64(r.NAgents)) == "" {
		if msg := ring.CheckLiquidityAgent(r.LiquidityAgent, int64(r.NAgents)); msg != "" {
			bad("liquidity-agent", msg)
		}
	}
	if given("kappa-rule") && f.kappaRule != "" {
		rule, msg := normalKappaRule(f.kappaRule)
		if msg != "" {
			bad("kappa-rule", msg)
		}
		r.KappaRule = rule
	}
	// The designs: the grid's lists (which the frontier's cells share),
	// the Latin hypercube's ranges, the frontier's settings.
	lists := sweep.Grid{}
	for _, sp := range ring.Sweepable() {
		text, ok := f.lists[sp.Plural]
		if !ok {
			continue
		}
		l, err := DecimalList(*text)
		if err != nil {
			bad(sp.Plural, err.Error())
			continue
		}
		for _, t := range l {
			if msg := sp.Check(*mustDecimal(t)); msg != "" {
				bad(sp.Plural, msg)
			}
		}
		lists[sp.Plural] = l
	}
	switch {
	case o == nil && f.grid:
		s.Grid = lists
	case o != nil && o.set["grid"]:
		s.Grid = nil
		if f.grid {
			s.Grid = lists
		}
	case o != nil && s.Grid != nil:
		for plural, l := range lists {
			if o.set[plural] {
				s.Grid[plural] = l
			}
		}
	}
	lhs := &sweep.LHS{Count: int(f.lhs), Ranges: map[string]sweep.Range{}}
	if msg := sweep.CheckLHSCount(lhs.Count); msg != "" {
		bad("lhs", "the lhs "+msg)
	}
	for _, sp := range ring.Sweepable() {
		rng, ok := f.ranges[sp.Name]
		if !ok {
			continue
		}
		var bounds [2]string
		for i, suffix := range []string{"-min", "-max"} {
			name := sp.RangeFlag() + suffix
			t, err := CLIFloat(rng[i])
			if err != nil {
				bad(name, sp.Name+": "+err.Error())
				continue
			}
			bounds[i] = t
			if o != nil && o.set[name] && s.LHS != nil && !o.set["lhs"] {
				cur := s.LHS.Ranges[sp.Name]
				if i == 0 {
					cur.Min = t
				} else {
					cur.Max = t
				}
				s.LHS.Ranges[sp.Name] = cur
			}
		}
		if o == nil && bounds[0] != "" && bounds[1] != "" {
			if msg := checkRange(&sp, mustDecimal(bounds[0]), mustDecimal(bounds[1])); msg != "" {
				bad(sp.RangeFlag()+"-min", msg)
			}
		}
		lhs.Ranges[sp.Name] = sweep.Range{Min: bounds[0], Max: bounds[1]}
	}
	if (o == nil || o.set["lhs"]) && f.lhs > 0 {
		s.LHS = lhs
	} else if o != nil && o.set["lhs"] {
		s.LHS = nil
	}
	front := &sweep.Frontier{Cells: sweep.Grid{}, MaxIterations: int(f.frontierIterations)}
	for i, sp := range ring.Sweepable() {
		if l, ok := lists[sp.Plural]; ok && i != ring.SweptKappa {
			front.Cells[sp.Plural] = l
		}
	}
	for _, v := range []struct {
		name, text string
		dst        *string
	}{{"frontier-low", f.frontierLow, &front.KappaLow}, {"frontier-high", f.frontierHigh, &front.KappaHigh}, {"frontier-tolerance", f.frontierTolerance, &front.Tolerance}} {
		t, err := CLIFloat(v.text)
		if err != nil {
			bad(v.name, err.Error())
			continue
		}
		*v.dst = t
		if o != nil && o.set[v.name] && s.Frontier != nil && !o.set["frontier"] {
			switch v.name {
			case "frontier-low":
				s.Frontier.KappaLow = t
			case "frontier-high":
				s.Frontier.KappaHigh = t
			default:
				s.Frontier.Tolerance = t
			}
		}
	}
	if o == nil && f.frontier && front.KappaLow != "" && front.KappaHigh != "" && front.Tolerance != "" {
		for _, msg := range sweep.CheckFrontier(mustDecimal(front.KappaLow), mustDecimal(front.KappaHigh), mustDecimal(front.Tolerance), front.MaxIterations) {
			bad("frontier", msg)
		}
	}
	switch {
	case o == nil && f.frontier, o != nil && o.set["frontier"] && f.frontier:
		s.Frontier = front
	case o != nil && o.set["frontier"]:
		s.Frontier = nil
	case o != nil && s.Frontier != nil:
		for plural, l := range front.Cells {
			if o.set[plural] {
				s.Frontier.Cells[plural] = l
			}
		}
		if o.set["frontier-iterations"] {
			s.Frontier.MaxIterations = front.MaxIterations
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// mustDecimal parses a decimal text already checked.
func mustDecimal(text string) *pynum.Amount {
	d, err := ring.ParseDecimal(text)
	if err != nil {
		panic("config: a checked decimal does not parse: " + text)
	}
	return &d
}

// CLIFloat reads a float option as bilancio's click does and prints it as
// its registry would: str(Decimal(str(float(text)))) ("10000" → "10000.0").
func CLIFloat(text string) (string, error) {
	d, err := ring.ParseCLIFloat(text)
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// DecimalList reads a comma-separated list of decimals as bilancio's
// _decimal_list does (empty items skipped, each kept as written).
func DecimalList(text string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(text, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		d, err := ring.ParseDecimal(part)
		if err != nil {
			return nil, err
		}
		out = append(out, d.String())
	}
	return out, nil
}
