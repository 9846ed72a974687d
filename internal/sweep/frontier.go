package sweep

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// Bounds of the search for a kappa at which the ring clears, once the
// least liquid kappa did not. Where more liquidity is a higher kappa
// (bilancio's search, under liquidity-over-debt), the high probe is raised
// by half (×1.5) while the ring does not clear and it is below four times
// kappa_high, and never past 128. Where more liquidity is a lower kappa
// (debt-over-liquidity: L0 = Q_total/kappa), the low probe is halved while
// the ring does not clear and it is above a quarter of kappa_low, and never
// below 1/128.
func frontierGrowth() pynum.Amount   { return pynum.Dec(15, -1) }
func frontierCeiling() pynum.Amount  { return pynum.Dec(128, 0) }
func frontierHighSpan() pynum.Amount { return pynum.Dec(4, 0) }
func frontierShrink() pynum.Amount   { return pynum.Dec(5, -1) }
func frontierFloor() pynum.Amount    { return pynum.Dec(78125, -7) }
func frontierLowSpan() pynum.Amount  { return pynum.Dec(25, -2) }

// Why a cell's search ended at a bound (FrontierPoint.Bound).
const (
	// BoundClearsAtLeastLiquid: the ring cleared already at the least
	// liquid end of the range (kappa_low when more liquidity is a higher
	// kappa, kappa_high otherwise): the transition lies beyond the range,
	// toward less liquidity, and the reported kappa is that bound.
	BoundClearsAtLeastLiquid = "clears_at_least_liquid"
	// BoundNeverClears: the ring did not clear even at the most liquid
	// kappa the search reached: the transition lies beyond, toward more
	// liquidity, and no kappa is reported.
	BoundNeverClears = "never_clears"
)

// firstProbe is a cell's first probe: the least liquid end of the range.
func (d *frontierDesign) firstProbe() (label string, kappa *pynum.Amount) {
	if d.higherIsLiquid {
		return "low", d.low
	}
	return "high", d.high
}

// liquidProbe is a cell's second probe: the most liquid end of the range,
// which expand moves on while the ring does not clear there.
func (d *frontierDesign) liquidProbe() (label string, kappa *pynum.Amount) {
	if d.higherIsLiquid {
		return "high", d.high
	}
	return "low", d.low
}

// expand returns the next, more liquid probe after k, and whether there is
// one (false once the bound is reached). expanded says k was expanded to.
func (d *frontierDesign) expand(k *pynum.Amount, expanded bool) (*pynum.Amount, bool) {
	if d.higherIsLiquid {
		if expanded && pynum.Cmp(*k, frontierCeiling()) > 0 || pynum.Cmp(*k, pynum.Mul(*d.high, frontierHighSpan())) >= 0 {
			return nil, false
		}
		return decimalPtr(pynum.Mul(*k, frontierGrowth())), true
	}
	if expanded && pynum.Cmp(*k, frontierFloor()) < 0 || pynum.Cmp(*k, pynum.Mul(*d.low, frontierLowSpan())) <= 0 {
		return nil, false
	}
	return decimalPtr(pynum.Mul(*k, frontierShrink())), true
}

// maxExpansions bounds the number of times the liquid probe is moved on.
func (d *frontierDesign) maxExpansions() int {
	_, k := d.liquidProbe()
	n, expanded := 0, false
	for n < 64 {
		next, ok := d.expand(k, expanded)
		if !ok {
			break
		}
		k, expanded = next, true
		n++
	}
	return n
}

// FrontierSearch searches, for every (concentration, mu, monotonicity)
// cell, the kappa at which the ring starts to clear (delta_total <=
// tolerance) as liquidity grows. It follows the direction the kappa rule
// gives liquidity (ring.KappaRule.MoreLiquidityAtHigherKappa): it probes
// the least liquid end of [kappa_low, kappa_high] (done if the ring clears
// there), then the most liquid end, moved on toward more liquidity while
// the ring does not clear (see expand), then bisects between the two until
// the bracket is within the tolerance or max_iterations probes were made.
// Where more liquidity is a higher kappa (liquidity-over-debt) this is
// bilancio's RingSweepRunner.run_frontier, probe for probe; under
// debt-over-liquidity bilancio searched upward all the same, away from
// clearing, and its answer was the lower bound after one probe. A probe
// that failed counts as not clearing.
//
// The search is driven from outside: Next returns the probes to run now,
// and Report gives each one's delta_total back. With counter seeds the
// probes are asked one at a time, cell after cell, because each probe's
// seed is bilancio's counter at the time it ran; with derived seeds every
// unfinished cell has a probe out at once.
type FrontierSearch struct {
	d          *frontierDesign
	sequential bool
	seeds      *seeder
	index      int
	cells      []*frontierCell
	// first is the first cell that is not done.
	first int
}

// frontierCell is the state of one cell's search.
type frontierCell struct {
	// values are the cell's values of the swept parameters (kappa's nil).
	values  [ring.NumSwept]*pynum.Amount
	state   cellState
	waiting bool
	// liquid is the current liquid probe; expanded says it was moved on.
	liquid   *pynum.Amount
	expanded bool
	// fails and clears bracket the frontier: the probed kappas nearest it
	// at which the ring did not and did clear (nil until known); iter
	// counts the bisection probes.
	fails, clears *pynum.Amount
	iter          int
	bound         string
	probes        int
}

// cellState is where a cell's search stands.
type cellState int

const (
	cellFirst cellState = iota
	cellLiquid
	cellMid
	cellDone
)

// newFrontierSearch starts the search after the plan's static runs.
func newFrontierSearch(p *Plan) *FrontierSearch {
	d := p.frontier
	f := &FrontierSearch{d: d, sequential: p.seedMode == SeedCounter, seeds: p.seeds(), index: p.StaticCount()}
	f.seeds.counter += int64(p.StaticCount())
	product(&d.cells, func(values *[ring.NumSwept]*pynum.Amount) bool {
		f.cells = append(f.cells, &frontierCell{values: *values})
		return true
	})
	return f
}

// Done reports whether every cell's search has ended.
func (f *FrontierSearch) Done() bool {
	for f.first < len(f.cells) && f.cells[f.first].state == cellDone {
		f.first++
	}
	return f.first == len(f.cells)
}

// Asked is the number of probes handed out by Next so far.
func (f *FrontierSearch) Asked() int {
	n := 0
	for _, c := range f.cells {
		n += c.probes
	}
	return n
}

// Next returns the probes to run now: none while the probes out have not
// been reported, and none once Done.
func (f *FrontierSearch) Next() []Point {
	if f.Done() {
		return nil
	}
	var out []Point
	for i := f.first; i < len(f.cells); i++ {
		c := f.cells[i]
		if c.state == cellDone {
			continue
		}
		if f.sequential && i > f.first {
			break
		}
		if c.waiting {
			continue
		}
		out = append(out, f.probe(i, c))
	}
	return out
}

// probe hands out cell i's next probe.
func (f *FrontierSearch) probe(i int, c *frontierCell) Point {
	pt := Point{Index: f.index, Phase: PhaseFrontier, Cell: i, Values: c.values}
	k := &pt.Values[ring.SweptKappa]
	switch c.state {
	case cellFirst:
		pt.Label, *k = f.d.firstProbe()
	case cellLiquid:
		pt.Label, _ = f.d.liquidProbe()
		*k = c.liquid
	case cellMid:
		pt.Label, *k = "mid", decimalPtr(pynum.Quo(pynum.Add(*c.fails, *c.clears), pynum.Dec(2, 0)))
	}
	f.index++
	pt.Seed = f.seeds.next(&pt)
	c.waiting = true
	c.probes++
	return pt
}

// Report gives a probe's delta_total back: nil when the run failed or had
// no metrics (bilancio's None, which counts as not clearing).
func (f *FrontierSearch) Report(pt Point, delta *pynum.Amount) error {
	if pt.Phase != PhaseFrontier || pt.Cell < 0 || pt.Cell >= len(f.cells) || !f.cells[pt.Cell].waiting {
		return fmt.Errorf("frontier: run %d is not a probe that is out", pt.Index)
	}
	c := f.cells[pt.Cell]
	c.waiting = false
	clears := delta != nil && pynum.Cmp(*delta, *f.d.tolerance) <= 0
	switch c.state {
	case cellFirst:
		if clears {
			c.state, c.clears, c.bound = cellDone, pt.Kappa(), BoundClearsAtLeastLiquid
			return nil
		}
		c.fails = pt.Kappa()
		_, c.liquid = f.d.liquidProbe()
		c.state = cellLiquid
	case cellLiquid:
		if !clears {
			next, ok := f.d.expand(c.liquid, c.expanded)
			if ok {
				c.liquid, c.expanded = next, true
				return nil
			}
			c.state, c.bound = cellDone, BoundNeverClears
			c.fails = pt.Kappa()
			return nil
		}
		c.state, c.clears = cellMid, pt.Kappa()
		f.bisect(c)
	case cellMid:
		if clears {
			c.clears = pt.Kappa()
		} else {
			c.fails = pt.Kappa()
		}
		c.iter++
		f.bisect(c)
	}
	return nil
}

// bisect ends a bisecting cell whose bracket is narrow enough or whose
// iterations are spent.
func (f *FrontierSearch) bisect(c *frontierCell) {
	width := pynum.Sub(*c.clears, *c.fails)
	if width.Sign() < 0 {
		width = pynum.Neg(width)
	}
	if c.iter >= f.d.maxIterations || pynum.Cmp(width, *f.d.tolerance) <= 0 {
		c.state = cellDone
	}
}

// FrontierPoint is the outcome of one cell's search.
type FrontierPoint struct {
	// Cell are the cell's values of the swept parameters (by their index
	// in ring.Sweepable; kappa's is nil, as is one the rings do not have).
	Cell [ring.NumSwept]*pynum.Amount
	// Kappa is the frontier: the probed kappa nearest the transition at
	// which the ring cleared (nil if none did).
	Kappa *pynum.Amount
	// Low and High bracket the transition (Low < High): the probed kappas
	// nearest it on either side, one clearing and one not; both nil when
	// the search ended at a bound (Bound), which leaves one side unknown.
	Low, High *pynum.Amount
	// Bound is why the search ended at a bound (BoundClearsAtLeastLiquid,
	// BoundNeverClears), "" when it bracketed the transition.
	Bound string
	// Done says the cell's search has ended; Probes is how many runs it
	// took.
	Done   bool
	Probes int
}

// Results returns each cell's outcome so far, in cell order.
func (f *FrontierSearch) Results() []FrontierPoint {
	out := make([]FrontierPoint, len(f.cells))
	for i, c := range f.cells {
		fp := FrontierPoint{Cell: c.values, Kappa: c.clears, Bound: c.bound, Done: c.state == cellDone, Probes: c.probes}
		if c.bound == "" && c.fails != nil && c.clears != nil {
			fp.Low, fp.High = c.fails, c.clears
			if pynum.Cmp(*fp.Low, *fp.High) > 0 {
				fp.Low, fp.High = fp.High, fp.Low
			}
		}
		out[i] = fp
	}
	return out
}

// MoreLiquidityAtHigherKappa says which way the frontier search moves
// toward more liquidity (the kappa rule's direction).
func (f *FrontierSearch) MoreLiquidityAtHigherKappa() bool { return f.d.higherIsLiquid }

// decimalPtr returns a pointer to a copy of d: the sweep's values are
// pointers, nil where a point has none.
func decimalPtr(d pynum.Amount) *pynum.Amount { return &d }
