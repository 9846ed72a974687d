package sweep

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Bounds of bilancio's search for a high kappa that clears the ring: the
// high probe is raised by half (×1.5) while it does not clear and is below
// four times kappa_high, and never past 128.
func frontierGrowth() *apd.Decimal   { return apd.New(15, -1) }
func frontierCeiling() *apd.Decimal  { return apd.New(128, 0) }
func frontierHighSpan() *apd.Decimal { return apd.New(4, 0) }

// maxExpansions bounds the number of times the high probe is raised.
func (d *frontierDesign) maxExpansions() int {
	limit := pynum.DecMul(d.high, frontierHighSpan())
	k, n := d.high, 0
	for k.Cmp(limit) < 0 && n < 64 {
		k = pynum.DecMul(k, frontierGrowth())
		n++
		if k.Cmp(frontierCeiling()) > 0 {
			break
		}
	}
	return n
}

// FrontierSearch is bilancio's frontier search (RingSweepRunner.run_frontier):
// for every (concentration, mu, monotonicity) cell it probes kappa_low (done
// if the ring clears there, i.e. delta_total <= tolerance), then kappa_high,
// raised by half while the ring does not clear (up to 4 × kappa_high, and
// not past 128), then bisects between kappa_low and the clearing kappa until
// the bracket is within the tolerance or max_iterations probes were made. A
// probe that failed counts as not clearing.
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
	c, mu, m *apd.Decimal
	state    cellState
	waiting  bool
	// hiKappa is the current high probe; expanded says it was raised.
	hiKappa  *apd.Decimal
	expanded bool
	// low and high bracket the frontier during the bisection; iter counts
	// the bisection probes.
	low, high *apd.Decimal
	iter      int
	// frontier is the smallest probed kappa that cleared, once bisecting.
	frontier *apd.Decimal
	probes   int
}

// cellState is where a cell's search stands.
type cellState int

const (
	cellLow cellState = iota
	cellHigh
	cellMid
	cellDone
)

// newFrontierSearch starts the search after the plan's static runs.
func newFrontierSearch(p *Plan) *FrontierSearch {
	d := p.frontier
	f := &FrontierSearch{d: d, sequential: p.seedMode == SeedCounter, seeds: p.seeds(), index: p.StaticCount()}
	f.seeds.counter += int64(p.StaticCount())
	for _, c := range d.axes[0] {
		for _, mu := range d.axes[1] {
			for _, m := range d.axes[2] {
				f.cells = append(f.cells, &frontierCell{c: c, mu: mu, m: m})
			}
		}
	}
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
	pt := Point{Index: f.index, Phase: PhaseFrontier, Cell: i, Concentration: c.c, Mu: c.mu, Monotonicity: c.m}
	switch c.state {
	case cellLow:
		pt.Label, pt.Kappa = "low", f.d.low
	case cellHigh:
		pt.Label, pt.Kappa = "high", c.hiKappa
	case cellMid:
		pt.Label, pt.Kappa = "mid", pynum.DecQuo(pynum.DecAdd(c.low, c.high), apd.New(2, 0))
	}
	f.index++
	pt.Seed = f.seeds.next(&pt)
	c.waiting = true
	c.probes++
	return pt
}

// Report gives a probe's delta_total back: nil when the run failed or had
// no metrics (bilancio's None, which counts as not clearing).
func (f *FrontierSearch) Report(pt Point, delta *apd.Decimal) error {
	if pt.Phase != PhaseFrontier || pt.Cell < 0 || pt.Cell >= len(f.cells) || !f.cells[pt.Cell].waiting {
		return fmt.Errorf("frontier: run %d is not a probe that is out", pt.Index)
	}
	c := f.cells[pt.Cell]
	c.waiting = false
	clears := delta != nil && delta.Cmp(f.d.tolerance) <= 0
	switch c.state {
	case cellLow:
		if clears {
			c.state, c.frontier = cellDone, f.d.low
			return nil
		}
		c.state, c.hiKappa = cellHigh, f.d.high
	case cellHigh:
		if !(c.expanded && c.hiKappa.Cmp(frontierCeiling()) > 0) && !clears && c.hiKappa.Cmp(pynum.DecMul(f.d.high, frontierHighSpan())) < 0 {
			c.hiKappa, c.expanded = pynum.DecMul(c.hiKappa, frontierGrowth()), true
			return nil
		}
		if !clears {
			c.state = cellDone
			return nil
		}
		c.state, c.low, c.high, c.frontier = cellMid, f.d.low, c.hiKappa, c.hiKappa
		f.bisect(c)
	case cellMid:
		if clears {
			c.high, c.frontier = pt.Kappa, pt.Kappa
		} else {
			c.low = pt.Kappa
		}
		c.iter++
		f.bisect(c)
	}
	return nil
}

// bisect ends a bisecting cell whose bracket is narrow enough or whose
// iterations are spent.
func (f *FrontierSearch) bisect(c *frontierCell) {
	if c.iter >= f.d.maxIterations || pynum.DecSub(c.high, c.low).Cmp(f.d.tolerance) <= 0 {
		c.state = cellDone
	}
}

// FrontierPoint is the outcome of one cell's search.
type FrontierPoint struct {
	Concentration, Mu, Monotonicity *apd.Decimal
	// Kappa is the smallest probed kappa at which the ring cleared (nil if
	// none did); Probes is how many runs the cell took.
	Kappa  *apd.Decimal
	Probes int
}

// Results returns each cell's outcome so far, in cell order.
func (f *FrontierSearch) Results() []FrontierPoint {
	out := make([]FrontierPoint, len(f.cells))
	for i, c := range f.cells {
		out[i] = FrontierPoint{Concentration: c.c, Mu: c.mu, Monotonicity: c.m, Kappa: c.frontier, Probes: c.probes}
	}
	return out
}
