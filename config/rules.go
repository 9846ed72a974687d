package config

import (
	"fmt"
	"slices"

	"github.com/bilancio-go/bilancio/internal/pynum"
	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/sdk"
)

// The rules a sweep obeys are package ring's (a ring's parameters) and
// package sweep's (a sweep's own settings); config checks every value with
// them and says where it is. What is here only joins them for one input's
// shape.

// Defaults of bilancio's `sweep ring` command (bilancio/ui/cli.py), which a
// sweep file, one of bilancio's YAML sweep configs and the `sweep ring`
// flags inherit for what they leave out. This is their one home.
const (
	defaultNAgents         = 5
	defaultMaturityDays    = 3
	defaultQTotal          = "500.0"
	defaultLiquidityMode   = string(ring.SingleAt)
	defaultDefaultHandling = "fail-fast"
	defaultBaseSeed        = 42
	defaultKappaRule       = "debt-over-liquidity"
)

// DefaultGrid is bilancio's `sweep ring` default grid, by list (its
// --kappas, --concentrations, --mus and --monotonicities).
func DefaultGrid() map[string]string {
	return map[string]string{
		"kappas":         "0.25,0.5,1,2,4",
		"concentrations": "0.2,0.5,1,2,5",
		"mus":            "0,0.25,0.5,0.75,1",
		"monotonicities": "0",
	}
}

// DefaultLHSRanges are bilancio's `sweep ring` default Latin hypercube
// ranges, by parameter (its --kappa-min, --kappa-max, ... as floats).
func DefaultLHSRanges() map[string][2]string {
	return map[string][2]string{
		"kappa":         {"0.2", "5.0"},
		"concentration": {"0.2", "5.0"},
		"mu":            {"0.0", "1.0"},
		"monotonicity":  {"0.0", "0.0"},
	}
}

// Defaults of bilancio's `sweep ring` frontier options.
const (
	defaultFrontierLow        = "0.1"
	defaultFrontierHigh       = "4.0"
	defaultFrontierTolerance  = "0.02"
	defaultFrontierIterations = 6
)

// checkArtifacts checks a sweep's artifacts setting (sdk.RunOptions'
// Artifacts).
func checkArtifacts(s string) string {
	if slices.Contains(sdk.ArtifactsModes(), s) {
		return ""
	}
	return fmt.Sprintf("artifacts must be %q (every file of every run, as bilancio), %q (all but run.html) or %q (only what the aggregates read: scenario.yaml, out/metrics.csv, out/dealer_metrics.json); what a run does not keep, `bilancio report RUN_DIR` rebuilds exactly; got %q", sdk.ArtifactsAll, sdk.ArtifactsNoHTML, sdk.ArtifactsAggregates, s)
}

// checkRange checks a Latin hypercube's range of a swept parameter: both
// bounds allowed values, min ≤ max.
func checkRange(sp *ring.Swept, lo, hi *pynum.Amount) string {
	if msg := sp.Check(*lo); msg != "" {
		return "the lower bound is out of range: " + msg
	}
	if msg := sp.Check(*hi); msg != "" {
		return "the upper bound is out of range: " + msg
	}
	if pynum.Cmp(*lo, *hi) > 0 {
		return fmt.Sprintf("the %s range must be [min, max] with min ≤ max", sp.Name)
	}
	return ""
}

// normalKappaRule checks a kappa rule and returns it in the spelling of
// sweep.RingParams (with hyphens).
func normalKappaRule(s string) (string, string) {
	if msg := ring.CheckKappaRule(s); msg != "" {
		return "", msg
	}
	if r, _ := ring.ParseKappaRule(s); r == ring.LiquidityOverDebt {
		return "liquidity-over-debt", ""
	}
	return defaultKappaRule, ""
}
