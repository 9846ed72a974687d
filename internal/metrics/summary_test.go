package metrics

import (
	"testing"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

func dayRow(t *testing.T, day int, s, phi, delta string) DayRow {
	t.Helper()
	d := func(x string) *pynum.Amount {
		if x == "" {
			return nil
		}
		v, err := pynum.ParseDecimal(x)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	return DayRow{Day: day, S: d(s), Phi: d(phi), Delta: d(delta)}
}

// The summary's zero rule (spec/engine.md §7.3): bilancio before 2025-11-28
// returned None for a weighted sum of zero (an empty registry cell), later
// 0; a non-zero sum and ΣS_t = 0 are the same under both.
func TestSummaryZeroRule(t *testing.T) {
	tests := []struct {
		name               string
		days               []DayRow
		rule               ZeroRule
		wantPhi, wantDelta string // "None" for nil
	}{
		{"nothing settled, 0", []DayRow{dayRow(t, 1, "500", "0", "1")}, ZeroIsZero, "0", "1"},
		{"nothing settled, None", []DayRow{dayRow(t, 1, "500", "0", "1")}, ZeroIsNone, "None", "1"},
		{"all settled, None", []DayRow{dayRow(t, 1, "300", "1", "0"), dayRow(t, 2, "200", "1", "0")}, ZeroIsNone, "1", "None"},
		{"all settled, 0", []DayRow{dayRow(t, 1, "300", "1", "0"), dayRow(t, 2, "200", "1", "0")}, ZeroIsZero, "1", "0"},
		{"partly settled", []DayRow{dayRow(t, 1, "400", "0.25", "0.75"), dayRow(t, 2, "100", "0", "1")}, ZeroIsNone, "0.2", "0.8"},
		{"no dues", []DayRow{dayRow(t, 1, "0", "", "")}, ZeroIsZero, "None", "None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize(tt.days)
			s.Apply(tt.rule)
			str := func(d *pynum.Amount) string {
				if d == nil {
					return "None"
				}
				return pynum.Normalize(*d).String()
			}
			if got := str(s.PhiTotal); got != tt.wantPhi {
				t.Errorf("phi_total %s, want %s", got, tt.wantPhi)
			}
			if got := str(s.DeltaTotal); got != tt.wantDelta {
				t.Errorf("delta_total %s, want %s", got, tt.wantDelta)
			}
		})
	}
	for _, s := range []string{"", "zero", "none"} {
		if _, err := ParseZeroRule(s); err != nil {
			t.Errorf("ParseZeroRule(%q): %v", s, err)
		}
	}
	if _, err := ParseZeroRule("null"); err == nil {
		t.Error("ParseZeroRule(null) accepted")
	}
}
