package metrics

import (
	"fmt"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// Summary is bilancio's summarize_day_metrics (spec §7.3). A nil decimal is
// Python's None.
type Summary struct {
	// PhiTotal and DeltaTotal are the S_t-weighted means of phi_t and
	// delta_t, nil when ΣS_t = 0. The sweep registry records them with
	// String, so their exponents are Python's.
	PhiTotal   *pynum.Amount
	DeltaTotal *pynum.Amount
	// MaxG is the largest G_t (nil without balances).
	MaxG *pynum.Amount
	// Alpha1, Mpeak1, V1 and HHIPlus1 are the day-1 values.
	Alpha1, Mpeak1, V1, HHIPlus1 *pynum.Amount
	// MaxDay is the last metric day (0 without rows); the registry records it
	// as time_to_stability.
	MaxDay int
}

// truthy reports Python's bool(d) for an optional Decimal.
func truthy(d *pynum.Amount) bool { return d != nil && !d.IsZero() }

// Summarize aggregates day rows (in day order) as bilancio's
// summarize_day_metrics does on in-memory rows.
func Summarize(days []DayRow) Summary {
	var s Summary
	total, phiW, deltaW := decZero(), decZero(), decZero()
	for i := range days {
		row := &days[i]
		s.MaxDay = max(s.MaxDay, row.Day)
		if row.S != nil {
			st := *row.S
			total = pynum.Add(total, st)
			if row.Phi != nil {
				phiW = pynum.Add(phiW, pynum.Mul(st, *row.Phi))
			}
			if row.Delta != nil {
				deltaW = pynum.Add(deltaW, pynum.Mul(st, *row.Delta))
			}
		}
		if row.G != nil && (s.MaxG == nil || pynum.Cmp(*row.G, *s.MaxG) > 0) {
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
		phi, delta := pynum.Quo(phiW, total), pynum.Quo(deltaW, total)
		s.PhiTotal, s.DeltaTotal = &phi, &delta
	}
	return s
}

// ZeroRule says what summarize_day_metrics made of a weighted sum of zero:
// bilancio's revisions differ there (spec/engine.md §7.3).
type ZeroRule string

// Zero rules.
const (
	// ZeroIsZero: phi_total (delta_total) is 0 when Σ S_t·phi_t is 0, as in
	// bilancio from 2025-11-28 on. The default.
	ZeroIsZero ZeroRule = ""
	// ZeroIsNone: it is None, as in bilancio before 2025-11-28 (`if S_total
	// and phi_weighted`), which wrote an empty cell to the registry and to
	// results.csv.
	ZeroIsNone ZeroRule = "none"
)

// ParseZeroRule reads a ZeroRule ("" and "zero" are ZeroIsZero).
func ParseZeroRule(s string) (ZeroRule, error) {
	switch s {
	case "", "zero":
		return ZeroIsZero, nil
	case string(ZeroIsNone):
		return ZeroIsNone, nil
	}
	return "", fmt.Errorf("unknown summary rule %q (want zero or none)", s)
}

// Apply makes s follow rule. Summarize computes the ZeroIsZero summary; a
// quotient is zero exactly when its weighted sum is (ΣS_t is not zero when
// there is a quotient), so under ZeroIsNone a zero total becomes None.
func (s *Summary) Apply(rule ZeroRule) {
	if rule != ZeroIsNone {
		return
	}
	if s.PhiTotal != nil && s.PhiTotal.IsZero() {
		s.PhiTotal = nil
	}
	if s.DeltaTotal != nil && s.DeltaTotal.IsZero() {
		s.DeltaTotal = nil
	}
}
