package sweep

import (
	"strings"
	"testing"

	"github.com/bilancio-go/bilancio/internal/ring"
)

// A sweep's bilancio_revision sets its rules: the kappa rule (unless
// kappa_rule says otherwise), the generator, the summary rule and, for the
// dealer arm, the dealer's era; revisions without a dealer or with bilancio
// 2026-01's risk assessment refuse paired sweeps. The default revision
// plans the very runs a sweep without the setting plans.
func TestSweepRevisions(t *testing.T) {
	ringSpec := func(rev, kappaRule string) *Spec {
		return &Spec{
			Name: "r", SeedMode: SeedCounter, BilancioRevision: rev,
			Ring: RingParams{NAgents: 5, MaturityDays: 3, QTotal: "500.0", LiquidityMode: "single_at", LiquidityAgent: "H1",
				DefaultHandling: "expel-agent", BaseSeed: 42, KappaRule: kappaRule},
			Grid: Grid{"kappas": []string{"0.5"}, "concentrations": []string{"1"}, "mus": []string{"0"}, "monotonicities": []string{"0"}},
		}
	}
	plan := func(s *Spec) *Plan {
		t.Helper()
		p, err := NewPlan(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	def, explicit := plan(ringSpec("", "")), plan(ringSpec("2025-12", "debt-over-liquidity"))
	if def.Fingerprint() != explicit.Fingerprint() {
		t.Errorf("the default revision plans another sweep than 2025-12 with its kappa rule written out")
	}
	for _, tt := range []struct {
		rev, kappaRule string
		wantRule       ring.KappaRule
		wantGen        ring.Revision
		wantSummary    string
	}{
		{"2025-10-10", "", ring.DebtOverLiquidity, ring.Original, "none"},
		{"2025-10", "", ring.DebtOverLiquidity, ring.Clamped, "none"},
		{"2025-11-29", "", ring.DebtOverLiquidity, ring.Clamped, ""},
		{"2026-01", "", ring.LiquidityOverDebt, ring.Clamped, ""},
		{"2026-01", "debt-over-liquidity", ring.DebtOverLiquidity, ring.Clamped, ""},
	} {
		p := plan(ringSpec(tt.rev, tt.kappaRule))
		kappa, _ := ring.ParseDecimal("0.5")
		var pt Point
		pt.Values[ring.SweptKappa] = &kappa
		params := p.Params(pt)
		if params.KappaRule != tt.wantRule || params.Revision != tt.wantGen || p.RunOptions().SummaryRule != tt.wantSummary {
			t.Errorf("%s (kappa_rule %q): rule %s, generator %s, summary %q", tt.rev, tt.kappaRule, params.KappaRule, params.Revision, p.RunOptions().SummaryRule)
		}
		// A ring sweep's runs differ from the default's exactly when a rule does.
		same := tt.wantRule == ring.DebtOverLiquidity && tt.wantGen == ring.Clamped && tt.wantSummary == ""
		if (p.Fingerprint() == def.Fingerprint()) != same {
			t.Errorf("%s: fingerprint %s, default %s", tt.rev, p.Fingerprint(), def.Fingerprint())
		}
	}
	if _, err := NewPlan(ringSpec("2024", "")); err == nil || !strings.Contains(err.Error(), `unknown bilancio revision "2024"`) {
		t.Errorf("unknown revision: %v", err)
	}

	paired := func(kind, rev string) *Spec {
		s := ringSpec(rev, "")
		s.Paired = &Paired{Kind: kind, TicketSize: "1.0", DealerShare: "0.25", VBTShare: "0.5", FaceValue: "20", BigEntityShare: "0.25", OutsideMidRatios: []string{"0.75"}}
		return s
	}
	_, plans, err := armSpecs(paired(KindComparison, "2025-11-29"))
	if err != nil {
		t.Fatal(err)
	}
	if plans[0].RunOptions().DealerEra != "" || plans[1].RunOptions().DealerEra != "data" {
		t.Errorf("2025-11-29 comparison: dealer eras %q and %q, want none and data", plans[0].RunOptions().DealerEra, plans[1].RunOptions().DealerEra)
	}
	for _, tt := range []struct{ kind, rev, want string }{
		{KindComparison, "2025-10", "bilancio 2025-10 has no dealer"},
		{KindBalanced, "2025-11-29", "has no balanced comparison"},
		{KindBalanced, "2026-01", "Plan 024"},
		{KindComparison, "2026-01", "trade with risk assessment"},
	} {
		if _, _, err := armSpecs(paired(tt.kind, tt.rev)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s under %s: %v, want %q", tt.kind, tt.rev, err, tt.want)
		}
	}
}
