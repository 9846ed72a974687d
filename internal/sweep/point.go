package sweep

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Point is one planned run before its scenario is generated: the design
// that asked for it, its place in the plan, its seed and the four swept
// parameters (kept with the exponents bilancio prints: 0.50 is not 0.5).
type Point struct {
	// Index is the run's position in the plan: grid runs first, then LHS,
	// then frontier probes in the order they were asked.
	Index int
	// Phase is PhaseGrid, PhaseLHS or PhaseFrontier.
	Phase string
	// Label is a frontier probe's role, as bilancio names it: "low", "high"
	// or "mid" ("" for the other phases).
	Label string
	// Cell is a frontier probe's cell (its position in concentration → mu →
	// monotonicity order).
	Cell int
	// Replicate is the point's replicate (0 to Spec.Replicates−1): runs of
	// the same phase and parameters that differ only in their seed.
	Replicate int
	Seed      int64

	Kappa, Concentration, Mu, Monotonicity *apd.Decimal
	// Rho is a balanced sweep's outside-mid ratio ρ (nil otherwise), its
	// outermost loop.
	Rho *apd.Decimal
}

// Prefix is what starts the run's id: the phase, and a frontier probe's
// label after it ("frontier_mid"), as bilancio's run ids do.
func (pt *Point) Prefix() string {
	if pt.Label == "" {
		return pt.Phase
	}
	return pt.Phase + "_" + pt.Label
}

// Texts returns the four parameters as the registry prints them
// (str(Decimal)): kappa, concentration, mu, monotonicity.
func (pt *Point) Texts() [4]string {
	return [4]string{pynum.Str(pt.Kappa), pynum.Str(pt.Concentration), pynum.Str(pt.Mu), pynum.Str(pt.Monotonicity)}
}

// seeder assigns seeds in plan order.
type seeder struct {
	mode string
	base int64
	// counter is the next counter seed: base_seed plus the runs seeded so
	// far (bilancio's RingSweepRunner.seed_counter).
	counter int64
}

// seeds returns a seeder at the start of the plan.
func (p *Plan) seeds() *seeder {
	return &seeder{mode: p.seedMode, base: p.ring.BaseSeed, counter: p.ring.BaseSeed}
}

// next returns the seed of the next run of the plan, pt.
func (s *seeder) next(pt *Point) int64 {
	c := s.counter
	s.counter++
	if s.mode == SeedDerived {
		return derivedSeed(s.base, pt)
	}
	return c
}

// derivedSeed is the seed of a point in SeedDerived mode: 31 bits of a
// SHA-256 of the base seed and the point's normalised parameters (and its
// replicate, from the second on), so that a point keeps its seed whatever
// else the sweep holds. Equal values written differently (0.5, 0.50) get
// the same seed.
func derivedSeed(base int64, pt *Point) int64 {
	h := sha256.New()
	b := make([]byte, 0, 128)
	b = append(b, "bilancio seed v1\x00"...)
	b = strconv.AppendInt(b, base, 10)
	for _, d := range []*apd.Decimal{pt.Kappa, pt.Concentration, pt.Mu, pt.Monotonicity} {
		b = append(b, 0)
		b = pynum.AppendStr(b, pynum.Normalize(d))
	}
	if pt.Rho != nil {
		b = append(b, "\x00rho\x00"...)
		b = pynum.AppendStr(b, pynum.Normalize(pt.Rho))
	}
	if pt.Replicate > 0 {
		b = append(b, "\x00rep\x00"...)
		b = strconv.AppendInt(b, int64(pt.Replicate), 10)
	}
	h.Write(b)
	var sum [sha256.Size]byte
	return int64(binary.BigEndian.Uint32(h.Sum(sum[:0])) >> 1)
}
