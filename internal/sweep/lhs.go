package sweep

import (
	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/pyrandom"
)

// lhsStreamOffset is added to the seed counter to seed the Latin hypercube's
// own random stream, as bilancio's run_lhs does (random.Random(counter + 7919)).
const lhsStreamOffset = 7919

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

// lhsAxes draws the Latin hypercube's four axes as bilancio's run_lhs does:
// the kappa, concentration and mu axes in turn, then the concentrations and
// mus shuffled, then the monotonicity axis, shuffled. Point i takes the i-th
// value of each axis. The count values of each axis are held in memory (the
// shuffles need them all).
func (p *Plan) lhsAxes(streamSeed int64) [4][]*apd.Decimal {
	d := p.lhs
	rng := pyrandom.New(streamSeed)
	var axes [4][]*apd.Decimal
	axes[axisKappa] = lhsAxis(d.count, d.ranges[axisKappa], rng)
	axes[axisConcentration] = lhsAxis(d.count, d.ranges[axisConcentration], rng)
	axes[axisMu] = lhsAxis(d.count, d.ranges[axisMu], rng)
	shuffle(rng, axes[axisConcentration])
	shuffle(rng, axes[axisMu])
	axes[axisMonotonicity] = lhsAxis(d.count, d.ranges[axisMonotonicity], rng)
	shuffle(rng, axes[axisMonotonicity])
	return axes
}

// lhsAxis is bilancio's _lhs_axis: one value per stratum [i/n, (i+1)/n) of
// the range, at the fraction Decimal(str(random())) within the stratum, in
// Python's decimal arithmetic; the values are then shuffled.
func lhsAxis(count int, bounds [2]*apd.Decimal, rng *pyrandom.Random) []*apd.Decimal {
	low, high := bounds[0], bounds[1]
	span := pynum.DecSub(high, low)
	n := apd.New(int64(count), 0)
	samples := make([]*apd.Decimal, count)
	for stratum := range count {
		a := pynum.DecQuo(apd.New(int64(stratum), 0), n)
		b := pynum.DecQuo(apd.New(int64(stratum+1), 0), n)
		u, err := pynum.ParseDecimal(pynum.FloatRepr(rng.Random()))
		if err != nil {
			panic("sweep: repr of a float in [0, 1) does not parse: " + err.Error())
		}
		frac := pynum.DecAdd(a, pynum.DecMul(pynum.DecSub(b, a), u.Decimal()))
		samples[stratum] = pynum.DecAdd(low, pynum.DecMul(span, frac))
	}
	shuffle(rng, samples)
	return samples
}

// shuffle is random.shuffle(xs).
func shuffle(rng *pyrandom.Random, xs []*apd.Decimal) {
	rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
}
