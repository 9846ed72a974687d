// Package revision holds bilancio's revisions: the rules each revision of
// the Python project followed where they differ (the kappa rule, the ring
// generator, the summary's zero rule, the dealer's era and instrumentation,
// the detailed-logging default, and which of its features this engine
// lacks). A recorded experiment is known by its date, not by these rules;
// naming its revision (`-bilancio-revision 2025-10`, `bilancio_revision` in a
// sweep file) selects all of them at once, and the individual switches
// (-kappa-rule, -dealer-era, -detailed-logging…) stay as overrides.
//
// This package is the one home of that table; everything that depends on a
// revision asks it.
package revision

import (
	"fmt"
	"strings"

	"github.com/bilancio-go/bilancio/internal/engine"
	"github.com/bilancio-go/bilancio/internal/metrics"
	"github.com/bilancio-go/bilancio/internal/ring"
)

// Revision is one revision of bilancio and the rules it followed.
type Revision struct {
	// Name is what users type: a date, or a month standing for the commits
	// of that month whose rules are the same.
	Name string
	// Date is the date of the code it reproduces, and Commits the bilancio
	// commits (short hashes) with those rules.
	Date    string
	Commits []string
	// Title says in a few words what the revision is known for.
	Title string

	// KappaRule derives L0 from Q_total (and back).
	KappaRule ring.KappaRule
	// Generator is the ring generator's revision.
	Generator ring.Revision
	// SummaryRule is what phi_total and delta_total are when their
	// weighted sum is zero.
	SummaryRule metrics.ZeroRule
	// Dealer is the dealer's era: "" when the revision predates bilancio's
	// dealer (2025-11-25), whose enabled dealer blocks are then refused.
	Dealer engine.DealerEra
	// BalancedSweeps: the revision has bilancio's balanced comparison
	// (`sweep balanced`, 2025-12-04).
	BalancedSweeps bool
	// DetailedLogging is the default of the dealer's detailed CSV files
	// (trades, inventory and system-state time series, repayment events).
	DetailedLogging bool
	// RiskAssessmentByDefault: bilancio enables dealer.risk_assessment
	// unless a scenario turns it off, and its paired sweeps trade with it;
	// this engine does not implement it, so such runs are refused.
	RiskAssessmentByDefault bool
	// Changes lists, for `bilancio version -revisions`, what this revision
	// changes compared with the one before it.
	Changes []string
	// Reproduces lists the recorded bilancio experiments it reproduces.
	Reproduces []string
}

// Default is the revision used when none is named: bilancio of December
// 2025, whose rules reproduce the most recorded experiments.
const Default = "2025-12"

// All returns bilancio's revisions, oldest first.
func All() []Revision {
	return []Revision{
		{
			Name: "2025-10-10", Date: "2025-10-10", Commits: []string{"0d3d1f39", "764857ec"},
			Title:       "the first ring sweeps",
			KappaRule:   ring.DebtOverLiquidity,
			Generator:   ring.Original,
			SummaryRule: metrics.ZeroIsNone,
			Changes: []string{
				"ring generator: the raw Dirichlet split (no 0.01 floor, no monotonicity)",
				"kappa rule: L0 = Q_total / kappa",
				"summary: phi_total and delta_total are None (an empty cell) when their weighted sum is 0",
				"no dealer: an enabled dealer block is refused",
			},
			Reproduces: []string{
				"out/experiments/20250925_163435_ring (125 runs, fail-fast)",
				"out/experiments/expel_ring_sweep (125 runs, expel-agent)",
				"out/experiments/expel_ring_sweep_clean/runs (125 runs)",
			},
		},
		{
			Name: "2025-10", Date: "2025-10-24", Commits: []string{"67796549", "2cd65b8e"},
			Title:       "monotonicity, and the summary's None rule",
			KappaRule:   ring.DebtOverLiquidity,
			Generator:   ring.Clamped,
			SummaryRule: metrics.ZeroIsNone,
			Changes: []string{
				"ring generator: payables clamped to at least 0.01 and ordered by monotonicity",
			},
			Reproduces: []string{
				"out/experiments/expel_ring_sweep_clean/aggregate/results.csv (13,500 rows, examples/kalecki/ring_sweep_config.yaml)",
			},
		},
		{
			Name: "2025-11-29", Date: "2025-11-29", Commits: []string{"a95ce51f", "7690a61d"},
			Title:       "the data era: the dealer comparison",
			KappaRule:   ring.DebtOverLiquidity,
			Generator:   ring.Clamped,
			SummaryRule: metrics.ZeroIsZero,
			Dealer:      engine.DealerDataEra,
			Changes: []string{
				"summary: phi_total and delta_total are 0 when their weighted sum is 0",
				"dealer (data era): dealer_trade events without the December fields, no dealer_metrics.json, no detailed CSV files",
			},
			Reproduces: []string{
				"data/experiments/dealer_comparison_100 (125 control and 125 treatment runs)",
			},
		},
		{
			Name: "2025-12", Date: "2025-12-05", Commits: []string{"2551b914", "6aa82188", "3b58d4dd", "7ef3133c"},
			Title:           "the December era: balanced sweeps and dealer instrumentation",
			KappaRule:       ring.DebtOverLiquidity,
			Generator:       ring.Clamped,
			SummaryRule:     metrics.ZeroIsZero,
			Dealer:          engine.DealerDecember,
			BalancedSweeps:  true,
			DetailedLogging: true,
			Changes: []string{
				"dealer (December era): is_liquidity_driven and reduces_margin_below_zero in dealer_trade events, dealer_metrics.json",
				"detailed logging on by default: trades.csv, inventory_timeseries.csv, system_state_timeseries.csv, repayment_events.csv",
			},
			Reproduces: []string{
				"out/experiments/balanced_comparison_20251204 (125 pairs; detailed logging off)",
				"out/experiments/detailed_instrumentation_sweep (625 pairs)",
				"out/experiments/plan023_sweep_20251208 (625 pairs; events only)",
			},
		},
		{
			Name: "2026-01", Date: "2026-01-29", Commits: []string{"a49b5288", "b6885723"},
			Title:                   "bilancio's latest",
			KappaRule:               ring.LiquidityOverDebt,
			Generator:               ring.Clamped,
			SummaryRule:             metrics.ZeroIsZero,
			Dealer:                  engine.DealerDecember,
			BalancedSweeps:          true,
			DetailedLogging:         true,
			RiskAssessmentByDefault: true,
			Changes: []string{
				"kappa rule: L0 = Q_total · kappa (the inverted rule of 2026-01-27)",
				"dealer.risk_assessment is on by default and paired sweeps trade with it: not implemented here, so dealer runs need risk_assessment: {enabled: false} and paired sweeps are refused",
				"refused until built: run.rollover_enabled, create_payable.maturity_distance other than due_day, balanced_dealer (Plan 024)",
			},
			Reproduces: []string{
				"no recorded experiment (bilancio's repository has none made with this code)",
			},
		},
	}
}

// aliases are other names of a revision: the dates of the code it stands
// for.
func aliases() map[string]string {
	return map[string]string{
		"2025-10-24": "2025-10",
		"2025-12-04": "2025-12",
		"2025-12-05": "2025-12",
		"2025-12-08": "2025-12",
		"2026-01-29": "2026-01",
		"latest":     "2026-01",
	}
}

// Names lists the revisions' names, oldest first.
func Names() []string {
	var names []string
	for _, r := range All() {
		names = append(names, r.Name)
	}
	return names
}

// Lookup returns the revision named name ("" is Default).
func Lookup(name string) (Revision, error) {
	if name == "" {
		name = Default
	}
	if a, ok := aliases()[name]; ok {
		name = a
	}
	for _, r := range All() {
		if r.Name == name {
			return r, nil
		}
	}
	return Revision{}, fmt.Errorf("unknown bilancio revision %q (want one of %s; `bilancio version -revisions` lists what each changes)", name, strings.Join(Names(), ", "))
}

// Check reports whether name is a revision, with the error Lookup gives.
func Check(name string) error {
	_, err := Lookup(name)
	return err
}

// HasDealer reports whether the revision has bilancio's dealer.
func (r Revision) HasDealer() bool { return r.Dealer != "" }

// Load is the scenario loader's part of the revision.
func (r Revision) Load() engine.LoadRules {
	return engine.LoadRules{
		Revision:                r.Name,
		NoDealer:                !r.HasDealer(),
		RiskAssessmentByDefault: r.RiskAssessmentByDefault,
		KappaRule:               r.KappaRule,
		Generator:               r.Generator,
	}
}
