package config

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/bilancio-go/bilancio/internal/ring"
	"github.com/bilancio-go/bilancio/internal/sweep"
	"github.com/bilancio-go/bilancio/sdk"
)

// The rules a sweep must obey, shared by the HCL language and the import of
// bilancio's YAML sweep configs. Each check returns "" when the value is
// fine, or a sentence saying what is wrong and what is allowed; the caller
// says where.

// Defaults of bilancio's `sweep ring` command (bilancio/ui/cli.py), which a
// sweep file inherits for what it leaves out.
const (
	defaultLiquidityMode   = "single_at"
	defaultLiquidityAgent  = "H1"
	defaultDefaultHandling = "fail-fast"
	defaultBaseSeed        = 42
	defaultKappaRule       = "debt-over-liquidity"
)

// Ring parameters that designs vary.
const (
	paramKappa         = "kappa"
	paramConcentration = "concentration"
	paramMu            = "mu"
	paramMonotonicity  = "monotonicity"
)

// checkParam checks one value of a ring parameter that a design varies.
func checkParam(param string, d *apd.Decimal) string {
	one, minusOne := apd.New(1, 0), apd.New(-1, 0)
	switch param {
	case paramKappa:
		if d.Sign() <= 0 {
			return "kappa must be greater than 0: it is the ratio of the total dues Q_total to the initial liquidity L0 (or its inverse under kappa_rule = \"liquidity-over-debt\")"
		}
	case paramConcentration:
		if d.Sign() <= 0 {
			return "concentration must be greater than 0: it is the Dirichlet concentration of the payable amounts (small: a few large debts; large: nearly equal debts)"
		}
	case paramMu:
		if d.Sign() < 0 || d.Cmp(one) > 0 {
			return "mu must be between 0 and 1: it is the lead-lag misalignment of the due days (0: every agent is paid before it pays; 1: after)"
		}
	case paramMonotonicity:
		if d.Cmp(minusOne) < 0 || d.Cmp(one) > 0 {
			return "monotonicity must be between -1 and 1 (-1: payables ascending around the ring; 0: as drawn; 1: descending)"
		}
	}
	return ""
}

// checkNAgents checks the ring size.
func checkNAgents(n int64) string {
	if n < 3 {
		return fmt.Sprintf("n_agents must be at least 3 (a ring needs three agents), got %d", n)
	}
	if n > 1_000_000 {
		return fmt.Sprintf("n_agents must be at most 1000000, got %d", n)
	}
	return ""
}

// checkMaturityDays checks the due-day horizon.
func checkMaturityDays(n int64) string {
	if n < 1 {
		return fmt.Sprintf("maturity_days must be at least 1 (payables fall due on days 1 to maturity_days), got %d", n)
	}
	return ""
}

// checkPositiveDecimal checks a quantity that must be greater than zero.
func checkPositiveDecimal(name string, d *apd.Decimal) string {
	if d.Sign() <= 0 {
		return name + " must be greater than 0"
	}
	return ""
}

// checkLiquidityMode checks liquidity_mode.
func checkLiquidityMode(s string) string {
	switch s {
	case string(ring.Uniform), string(ring.SingleAt):
		return ""
	}
	return fmt.Sprintf("liquidity_mode must be %q (every agent starts with L0/n) or %q (liquidity_agent starts with all of L0), got %q", ring.Uniform, ring.SingleAt, s)
}

var agentPattern = regexp.MustCompile(`^H([1-9][0-9]*)$`)

// checkLiquidityAgent checks that agent is one of the ring's agents H1…Hn.
func checkLiquidityAgent(agent string, n int64) string {
	m := agentPattern.FindStringSubmatch(agent)
	if m == nil {
		return fmt.Sprintf("liquidity_agent must name one of the ring's agents, H1 to H%d, got %q", n, agent)
	}
	if i, err := strconv.ParseInt(m[1], 10, 64); err != nil || i > n {
		return fmt.Sprintf("liquidity_agent %s is not in a ring of %d agents (H1 to H%d)", agent, n, n)
	}
	return ""
}

// checkDefaultHandling checks default_handling.
func checkDefaultHandling(s string) string {
	switch s {
	case "fail-fast", "expel-agent":
		return ""
	}
	return fmt.Sprintf("default_handling must be \"fail-fast\" (a default stops the run) or \"expel-agent\" (the defaulter leaves the ring and the run goes on), got %q", s)
}

// normalKappaRule checks a kappa rule and returns it in the spelling of
// sweep.RingParams (with hyphens).
func normalKappaRule(s string) (string, string) {
	r, err := ring.ParseKappaRule(s)
	if err != nil {
		return "", fmt.Sprintf("kappa_rule must be \"debt-over-liquidity\" (kappa = Q_total/L0, the rule of bilancio's recorded data) or \"liquidity-over-debt\" (kappa = L0/Q_total, bilancio's newer rule), got %q", s)
	}
	if r == ring.LiquidityOverDebt {
		return "liquidity-over-debt", ""
	}
	return defaultKappaRule, ""
}

// checkSeedMode checks seed_mode.
func checkSeedMode(s string) string {
	switch s {
	case sweep.SeedCounter, sweep.SeedDerived:
		return ""
	}
	return fmt.Sprintf("seed_mode must be %q (bilancio's: base_seed, then one more per run in loop order) or %q (each run's seed is a hash of its parameters), got %q", sweep.SeedCounter, sweep.SeedDerived, s)
}

// checkArtifacts checks a sweep's artifacts setting (sdk.RunOptions'
// Artifacts).
func checkArtifacts(s string) string {
	if slices.Contains(sdk.ArtifactsModes(), s) {
		return ""
	}
	return fmt.Sprintf("artifacts must be %q (every file of every run, as bilancio), %q (all but run.html) or %q (only what the aggregates read: scenario.yaml, out/metrics.csv, out/dealer_metrics.json); what a run does not keep, `bilancio report RUN_DIR` rebuilds exactly; got %q", sdk.ArtifactsAll, sdk.ArtifactsNoHTML, sdk.ArtifactsAggregates, s)
}

// checkRange checks an LHS range of param: min ≤ max, both allowed values.
func checkRange(param string, lo, hi *apd.Decimal) string {
	if msg := checkParam(param, lo); msg != "" {
		return "the lower bound is out of range: " + msg
	}
	if msg := checkParam(param, hi); msg != "" {
		return "the upper bound is out of range: " + msg
	}
	if lo.Cmp(hi) > 0 {
		return fmt.Sprintf("the %s range must be [min, max] with min ≤ max", param)
	}
	return ""
}
