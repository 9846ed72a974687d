package sweep

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// Point is one planned run before its scenario is generated: the design
// that asked for it, its place in the plan, its seed and its values of the
// swept parameters (kept with the exponents bilancio prints: 0.50 is not
// 0.5).
type Point struct {
	// Index is the run's position in the plan: grid runs first, then LHS,
	// then frontier probes in the order they were asked.
	Index int
	// Phase is PhaseGrid, PhaseLHS or PhaseFrontier (or a paired sweep's
	// arm's phase).
	Phase string
	// Label is a frontier probe's role, as bilancio names it: "low", "high"
	// or "mid" ("" for the other phases).
	Label string
	// Cell is a frontier probe's cell (its position in the cells' loop
	// order).
	Cell int
	// Replicate is the point's replicate (0 to Spec.Replicates−1): runs of
	// the same phase and parameters that differ only in their seed.
	Replicate int
	Seed      int64
	// Values are the point's values of the swept parameters, by their
	// index in ring.Sweepable (nil for one its ring does not have: ρ but in
	// a balanced sweep).
	Values [ring.NumSwept]*pynum.Amount
}

// Kappa is the point's kappa.
func (pt *Point) Kappa() *pynum.Amount { return pt.Values[ring.SweptKappa] }

// Prefix is what starts the run's id: the phase, and a frontier probe's
// label after it ("frontier_mid"), as bilancio's run ids do.
func (pt *Point) Prefix() string {
	if pt.Label == "" {
		return pt.Phase
	}
	return pt.Phase + "_" + pt.Label
}

// Texts returns the point's values of bilancio's four parameters as its
// registry prints them (str(Decimal)): kappa, concentration, mu,
// monotonicity.
func (pt *Point) Texts() [ring.NumRegistry]string {
	var out [ring.NumRegistry]string
	for i := range out {
		out[i] = pt.Values[i].String()
	}
	return out
}

// appendValues appends the point's values, as point keys and derived seeds
// hash them: bilancio's four in registry order, each after a NUL; then each
// other parameter the point has a value of, as NUL, its key, NUL and the
// value (a point without one encodes as before the parameter existed).
// text is how a value is written.
func (pt *Point) appendValues(b []byte, text func([]byte, *pynum.Amount) []byte) []byte {
	for i := range ring.NumRegistry {
		b = append(b, 0)
		b = text(b, pt.Values[i])
	}
	for i := ring.NumRegistry; i < ring.NumSwept; i++ {
		if v := pt.Values[i]; v != nil {
			b = append(b, 0)
			b = append(b, ring.Sweepable()[i].Key...)
			b = append(b, 0)
			b = text(b, v)
		}
	}
	return b
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
	b = pt.appendValues(b, func(b []byte, d *pynum.Amount) []byte { return pynum.AppendStr(b, pynum.Normalize(*d)) })
	if pt.Replicate > 0 {
		b = append(b, "\x00rep\x00"...)
		b = strconv.AppendInt(b, int64(pt.Replicate), 10)
	}
	h.Write(b)
	var sum [sha256.Size]byte
	return int64(binary.BigEndian.Uint32(h.Sum(sum[:0])) >> 1)
}
