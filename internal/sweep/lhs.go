package sweep

import (
	"context"
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyrandom"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// lhsStreamOffset is added to the seed counter to seed the Latin hypercube's
// own random stream, as bilancio's run_lhs does (random.Random(counter + 7919)).
const lhsStreamOffset = 7919

// MaxLHSCount bounds a Latin hypercube's points. bilancio's design shuffles
// every axis as a whole, so planning it holds the whole design: LHSBytesPerPoint
// bytes a point (48 MB per million points, 1.5 GiB at this bound).
const MaxLHSCount = 1 << 25

// LHSBytesPerPoint is the memory a Latin hypercube takes per point while it
// is planned: for each of its four axes, the draw of the point's stratum
// (8 bytes) and the stratum (4 bytes).
const LHSBytesPerPoint = 4 * (8 + 4)

// lhsStreamSeed is the seed of the Latin hypercube's stream: with counter
// seeds, bilancio's seed counter after the grid plus 7919; with derived
// seeds, the base seed plus 7919, so that the points do not move when the
// grid changes.
func (s *seeder) lhsStreamSeed() int64 {
	if s.mode == SeedDerived {
		return s.base + lhsStreamOffset
	}
	return s.counter + lhsStreamOffset
}

// lhsTable is a Latin hypercube as bilancio's run_lhs draws it, held
// compactly: for each drawn swept parameter (by its index in
// ring.Sweepable), the uniform draw of every stratum and the stratum of
// every point. A point's values are computed when it is asked for (see
// value), with the same decimal arithmetic bilancio uses.
type lhsTable struct {
	n      int
	ranges *[ring.NumSwept]*[2]*pynum.Amount
	// u[axis][stratum] is random() drawn for the stratum; stratum[axis][i]
	// is the stratum point i takes on the axis.
	u       [ring.NumSwept][]float64
	stratum [ring.NumSwept][]uint32
}

// checkEvery is how many iterations a long loop runs between two looks at
// its context: a few milliseconds of work at most.
const checkEvery = 1 << 14

// newLHSTable draws the Latin hypercube as bilancio's run_lhs does: the
// kappa, concentration and mu axes in turn, then the concentrations and mus
// shuffled, then the monotonicity axis, shuffled once more. Each axis is
// bilancio's _lhs_axis: one draw per stratum [i/n, (i+1)/n), then the axis
// shuffled. A swept parameter bilancio does not know is drawn after them,
// when the design has a range for it (so that one it does not have draws
// nothing). It stops with ctx's error when ctx is done.
func newLHSTable(ctx context.Context, d *lhsDesign, streamSeed int64) (*lhsTable, error) {
	t := &lhsTable{n: d.count, ranges: &d.ranges}
	rng := pyrandom.New(streamSeed)
	axis := func(a int) error {
		u := make([]float64, d.count)
		for s := range u {
			if s%checkEvery == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			u[s] = rng.Random()
		}
		st := make([]uint32, d.count)
		for i := range st {
			st[i] = uint32(i)
		}
		t.u[a], t.stratum[a] = u, st
		return t.shuffle(ctx, rng, a)
	}
	steps := []struct {
		axis int
		draw bool
	}{
		{ring.SweptKappa, true}, {ring.SweptConcentration, true}, {ring.SweptMu, true},
		{ring.SweptConcentration, false}, {ring.SweptMu, false},
		{ring.SweptMonotonicity, true}, {ring.SweptMonotonicity, false},
	}
	for a, r := range d.ranges {
		if r != nil && !ring.Sweepable()[a].Registry {
			steps = append(steps, struct {
				axis int
				draw bool
			}{a, true})
		}
	}
	for _, st := range steps {
		var err error
		if st.draw {
			err = axis(st.axis)
		} else {
			err = t.shuffle(ctx, rng, st.axis)
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// shuffle is random.shuffle of an axis's values, done on their strata.
func (t *lhsTable) shuffle(ctx context.Context, rng *pyrandom.Random, a int) error {
	st := t.stratum[a]
	// pyrandom's Shuffle, inlined to look at ctx now and then.
	for i := len(st) - 1; i > 0; i-- {
		if i%checkEvery == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		j := rng.Randrange(i + 1)
		st[i], st[j] = st[j], st[i]
	}
	return nil
}

// value is point i's value on axis a: low + (high − low)·(s/n + (1/n)·u)
// for its stratum s and that stratum's draw u, with u read as
// Decimal(str(u)), in Python's decimal arithmetic (bilancio's _lhs_axis);
// nil for a parameter the design does not draw.
func (t *lhsTable) value(a, i int) *pynum.Amount {
	if t.ranges[a] == nil {
		return nil
	}
	low, high := t.ranges[a][0], t.ranges[a][1]
	s := int64(t.stratum[a][i])
	n := pynum.Dec(int64(t.n), 0)
	lo := pynum.Quo(pynum.Dec(s, 0), n)
	hi := pynum.Quo(pynum.Dec(s+1, 0), n)
	u, err := pynum.ParseDecimal(pynum.FloatRepr(t.u[a][s]))
	if err != nil {
		panic("sweep: repr of a float in [0, 1) does not parse: " + err.Error())
	}
	frac := pynum.Add(lo, pynum.Mul(pynum.Sub(hi, lo), u))
	return decimalPtr(pynum.Add(*low, pynum.Mul(pynum.Sub(*high, *low), frac)))
}

// CheckLHSCount checks a Latin hypercube's count: 0 or more (0 draws
// none), at most MaxLHSCount ("" when fine).
func CheckLHSCount(n int) string {
	if n < 0 {
		return fmt.Sprintf("count must not be negative (0 draws no Latin hypercube), got %d", n)
	}
	if n > MaxLHSCount {
		return fmt.Sprintf("count %d is more than the %d points a Latin hypercube may have: its axes are shuffled as a whole, so planning holds %d bytes a point in memory (%.1f GB for this one); run several smaller designs with different base seeds",
			n, MaxLHSCount, LHSBytesPerPoint, float64(n)*LHSBytesPerPoint/1e9)
	}
	return ""
}
