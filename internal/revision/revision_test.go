package revision

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// The rules each named revision sets (issue 14: 2025-10 the summary's None
// rule, 2025-11-29 the data era, 2025-12 the December era and today's
// default, 2026-01 the inverted kappa rule with risk assessment refused).
func TestRevisionRules(t *testing.T) {
	tests := []struct {
		name      string
		kappa     ring.KappaRule
		generator ring.Revision
		summary   metrics.ZeroRule
		dealer    engine.DealerEra
		detailed  bool
		balanced  bool
		risk      bool
	}{
		{"2025-10-10", ring.DebtOverLiquidity, ring.Original, metrics.ZeroIsNone, "", false, false, false},
		{"2025-10", ring.DebtOverLiquidity, ring.Clamped, metrics.ZeroIsNone, "", false, false, false},
		{"2025-11-29", ring.DebtOverLiquidity, ring.Clamped, metrics.ZeroIsZero, engine.DealerDataEra, false, false, false},
		{"2025-12", ring.DebtOverLiquidity, ring.Clamped, metrics.ZeroIsZero, engine.DealerDecember, true, true, false},
		{"2026-01", ring.LiquidityOverDebt, ring.Clamped, metrics.ZeroIsZero, engine.DealerDecember, true, true, true},
	}
	if len(All()) != len(tests) {
		t.Fatalf("%d revisions, the test knows %d", len(All()), len(tests))
	}
	for i, tt := range tests {
		r, err := Lookup(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if r.Name != All()[i].Name {
			t.Errorf("%s is not the %d-th revision", tt.name, i)
		}
		if r.KappaRule != tt.kappa || r.Generator != tt.generator || r.SummaryRule != tt.summary || r.Dealer != tt.dealer ||
			r.DetailedLogging != tt.detailed || r.BalancedSweeps != tt.balanced || r.RiskAssessmentByDefault != tt.risk {
			t.Errorf("%s: %+v", tt.name, r)
		}
		lr := r.Load()
		if lr.Revision != r.Name || lr.NoDealer != (tt.dealer == "") || lr.RiskAssessmentByDefault != tt.risk || lr.KappaRule != tt.kappa || lr.Generator != tt.generator {
			t.Errorf("%s: load rules %+v", tt.name, lr)
		}
		if len(r.Changes) == 0 || len(r.Reproduces) == 0 || len(r.Commits) == 0 || r.Title == "" {
			t.Errorf("%s: changes, recorded experiments, commits or title missing", tt.name)
		}
		if i > 0 && r.Date <= All()[i-1].Date {
			t.Errorf("%s (%s) is not after %s", r.Name, r.Date, All()[i-1].Name)
		}
	}
}

func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"": Default, "2025-12": "2025-12", "2025-12-05": "2025-12", "2025-10-24": "2025-10",
		"latest": "2026-01", "2026-01-29": "2026-01", "2025-10-10": "2025-10-10",
	} {
		r, err := Lookup(name)
		if err != nil || r.Name != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", name, r.Name, err, want)
		}
	}
	_, err := Lookup("2024-01")
	if err == nil || !strings.Contains(err.Error(), `unknown bilancio revision "2024-01"`) || !strings.Contains(err.Error(), strings.Join(Names(), ", ")) {
		t.Errorf("unknown revision: %v", err)
	}
	if Check("2025-11-29") != nil || Check("december") == nil {
		t.Error("Check disagrees with Lookup")
	}
}
