package metrics

import (
	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/cockroachdb/apd/v3"
)

// Summary is bilancio's summarize_day_metrics (spec §7.3). A nil decimal is
// Python's None.
type Summary struct {
	// PhiTotal and DeltaTotal are the S_t-weighted means of phi_t and
	// delta_t, nil when ΣS_t = 0. The sweep registry records them with
	// pynum.Str, so their exponents are Python's.
	PhiTotal   *apd.Decimal
	DeltaTotal *apd.Decimal
	// MaxG is the largest G_t (nil without balances).
	MaxG *apd.Decimal
	// Alpha1, Mpeak1, V1 and HHIPlus1 are the day-1 values.
	Alpha1, Mpeak1, V1, HHIPlus1 *apd.Decimal
	// MaxDay is the last metric day (0 without rows); the registry records it
	// as time_to_stability.
	MaxDay int
}

// truthy reports Python's bool(d) for an optional Decimal.
func truthy(d *apd.Decimal) bool { return d != nil && !d.IsZero() }

// Summarize aggregates day rows (in day order) as bilancio's
// summarize_day_metrics does on in-memory rows.
func Summarize(days []DayRow) Summary {
	var s Summary
	total, phiW, deltaW := decZero(), decZero(), decZero()
	for i := range days {
		row := &days[i]
		s.MaxDay = max(s.MaxDay, row.Day)
		if row.S != nil {
			st := pynum.FromDecimal(row.S, true)
			total = pynum.Add(total, st)
			if row.Phi != nil {
				phiW = pynum.Add(phiW, pynum.Mul(st, pynum.FromDecimal(row.Phi, true)))
			}
			if row.Delta != nil {
				deltaW = pynum.Add(deltaW, pynum.Mul(st, pynum.FromDecimal(row.Delta, true)))
			}
		}
		if row.G != nil && (s.MaxG == nil || row.G.Cmp(s.MaxG) > 0) {
			s.MaxG = row.G
		}
		if row.Day == 1 {
			// alpha_1 = alpha_1 or alpha_t, and so on.
			if !truthy(s.Alpha1) {
				s.Alpha1 = row.Alpha
			}
			if !truthy(s.Mpeak1) {
				s.Mpeak1 = row.Mpeak
			}
			if !truthy(s.V1) {
				s.V1 = row.V
			}
			if !truthy(s.HHIPlus1) {
				s.HHIPlus1 = row.HHIPlus
			}
		}
	}
	if !total.IsZero() {
		s.PhiTotal = pynum.Quo(phiW, total).Decimal()
		s.DeltaTotal = pynum.Quo(deltaW, total).Decimal()
	}
	return s
}
