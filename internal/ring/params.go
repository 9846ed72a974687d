package ring

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// KappaRule says how kappa relates the total dues Q_total (S1) to the initial
// liquidity L0 when only one of them is given.
type KappaRule string

const (
	// DebtOverLiquidity is the data-era rule (bilancio before 2026-01-27,
	// which produced all recorded data): kappa = Q_total/L0, so L0 =
	// Q_total/kappa and Q_total = kappa·L0.
	DebtOverLiquidity KappaRule = "debt_over_liquidity"
	// LiquidityOverDebt is bilancio HEAD's rule: kappa = L0/Q_total, so L0 =
	// Q_total·kappa and Q_total = L0/kappa.
	LiquidityOverDebt KappaRule = "liquidity_over_debt"
)

// MoreLiquidityAtHigherKappa says which way kappa moves when the initial
// liquidity L0 grows, Q_total held: up under LiquidityOverDebt (L0 =
// Q_total·kappa), down under DebtOverLiquidity (L0 = Q_total/kappa). More
// liquidity is the direction in which a ring clears.
func (r KappaRule) MoreLiquidityAtHigherKappa() bool { return r == LiquidityOverDebt }

// ParseKappaRule reads a kappa rule, with '-' or '_' as the separator.
func ParseKappaRule(s string) (KappaRule, error) {
	switch r := KappaRule(strings.ReplaceAll(s, "-", "_")); r {
	case DebtOverLiquidity, LiquidityOverDebt:
		return r, nil
	}
	return "", fmt.Errorf("unknown kappa rule %q (want debt-over-liquidity or liquidity-over-debt)", s)
}

// Revision names a revision of bilancio's generator where the outputs
// differ (besides the kappa rule, which is a separate setting).
type Revision string

const (
	// Clamped is bilancio's generator from commit 67796549 (2025-10-24)
	// through HEAD, which produced the dealer_comparison_100 data: payable
	// amounts are clamped to at least 0.01 and ordered by monotonicity.
	Clamped Revision = "clamped"
	// Original is bilancio's first generator (commit 0d3d1f39, 2025-10-10),
	// which produced the n = 5 sweeps of out/experiments: the payable amounts
	// are the raw Dirichlet split, however small, and there is no
	// monotonicity (it must be 0).
	Original Revision = "original"
)

// LiquidityMode says how L0 is split among the agents.
type LiquidityMode string

// Liquidity modes (bilancio's liquidity.allocation.mode).
const (
	// Uniform gives every agent L0/n.
	Uniform LiquidityMode = "uniform"
	// SingleAt gives all of L0 to Params.LiquidityAgent.
	SingleAt LiquidityMode = "single_at"
	// VectorMode splits L0 in proportion to Params.LiquidityVector, the last
	// agent getting the remainder.
	VectorMode LiquidityMode = "vector"
)

// Params are the generator's parameters (bilancio's RingExplorerParamsModel,
// the generator config's name_prefix, and the sweep runner's run settings).
// Decimal parameters keep the exponent of their input text: registries
// print them with str(Decimal), and 10000.0 is not 10000. A nil Decimal
// takes its default.
type Params struct {
	// NAgents is the ring size n (≥ 3; 0 means bilancio's default 5).
	NAgents int
	// Seed seeds Python's random.Random, the only source of randomness.
	Seed int64
	// Kappa (> 0, required) relates Q_total and L0 according to KappaRule.
	Kappa *pynum.Amount
	// KappaRule is DebtOverLiquidity when empty.
	KappaRule KappaRule
	// Revision is Clamped when empty.
	Revision Revision
	// QTotal is the total dues S1, and LiquidityTotal the initial liquidity
	// L0. At least one must be given; the other is derived with Kappa.
	QTotal, LiquidityTotal *pynum.Amount
	// Liquidity is Uniform when empty.
	Liquidity LiquidityMode
	// LiquidityAgent receives L0 in SingleAt mode ("H1" when empty).
	LiquidityAgent string
	// LiquidityVector holds n positive weights in VectorMode.
	LiquidityVector []pynum.Amount
	// Concentration is the Dirichlet concentration c (> 0, default 1).
	Concentration *pynum.Amount
	// Monotonicity orders the payables, from −1 (ascending) through 0 (draw
	// order) to 1 (descending); default 0.
	Monotonicity *pynum.Amount
	// MaturityDays is the due-day horizon (≥ 1; 0 means 1).
	MaturityDays int
	// Mu is the lead-lag misalignment in [0, 1], default 0.
	Mu *pynum.Amount
	// NamePrefix starts the scenario name ("Kalecki Ring Sweep", bilancio's
	// sweep default, when empty).
	NamePrefix string
	// DefaultHandling is written as run.default_handling ("fail-fast" or
	// "expel-agent") unless empty, in which case the key is left out, as
	// bilancio's older sweeps did.
	DefaultHandling string
	// MaxDays is run.max_days; 0 means bilancio's max(30, MaturityDays+5).
	MaxDays int
	// QuietDays is run.quiet_days; nil means bilancio's 2.
	QuietDays *int
}

// Defaults of the generator (bilancio's RingExplorerParamsModel and its
// sweep runner's run block) for what Params leaves out.
const (
	// DefaultNamePrefix is the scenario name prefix (also bilancio's
	// `sweep ring` default).
	DefaultNamePrefix = "Kalecki Ring Sweep"
	// DefaultLiquidityAgent holds all of L0 in SingleAt mode.
	DefaultLiquidityAgent = "H1"
	// DefaultQuietDays is run.quiet_days.
	DefaultQuietDays = 2
)

// DefaultMaxDays is run.max_days for a horizon of maturityDays:
// max(30, maturity_days + 5).
func DefaultMaxDays(maturityDays int) int { return max(30, maturityDays+5) }

// resolved are validated parameters with the defaults filled in and the
// totals derived.
type resolved struct {
	Params
	// kappa, concentration, monotonicity and mu are the Decimal values of
	// the parameters (defaults filled in), qTotal and l0 the totals.
	kappa, concentration, monotonicity, mu pynum.Amount
	qTotal, l0                             pynum.Amount
	maxDays                                int
	quietDays                              int
}

// resolve validates p as bilancio's parameter model does and derives the
// totals with the kappa rule.
func (p Params) resolve() (*resolved, error) {
	if p.NAgents == 0 {
		p.NAgents = 5
	}
	if msg := CheckNAgents(int64(p.NAgents)); msg != "" {
		return nil, errors.New(msg)
	}
	swept := Sweepable()
	if p.Kappa == nil {
		return nil, fmt.Errorf("kappa is required")
	}
	if p.KappaRule == "" {
		p.KappaRule = DebtOverLiquidity
	}
	if msg := CheckKappaRule(string(p.KappaRule)); msg != "" {
		return nil, errors.New(msg)
	}
	kappa, concentration, monotonicity, mu := pynum.AsDecimal(*p.Kappa), pynum.Dec(1, 0), pynum.Dec(0, 0), pynum.Dec(0, 0)
	if p.Concentration != nil {
		concentration = pynum.AsDecimal(*p.Concentration)
	}
	if p.Monotonicity != nil {
		monotonicity = pynum.AsDecimal(*p.Monotonicity)
	}
	if p.Mu != nil {
		mu = pynum.AsDecimal(*p.Mu)
	}
	for _, c := range []struct {
		i int
		d pynum.Amount
	}{{SweptKappa, kappa}, {SweptConcentration, concentration}, {SweptMu, mu}, {SweptMonotonicity, monotonicity}} {
		if msg := swept[c.i].Check(c.d); msg != "" {
			return nil, errors.New(msg)
		}
	}
	switch p.Revision {
	case "":
		p.Revision = Clamped
	case Clamped:
	case Original:
		if !monotonicity.IsZero() {
			return nil, fmt.Errorf("the original generator has no monotonicity, got %s", monotonicity)
		}
	default:
		return nil, fmt.Errorf("unknown generator revision %q (want clamped or original)", p.Revision)
	}
	if p.MaturityDays == 0 {
		p.MaturityDays = 1
	}
	if msg := CheckMaturityDays(int64(p.MaturityDays)); msg != "" {
		return nil, errors.New(msg)
	}
	if p.NamePrefix == "" {
		p.NamePrefix = DefaultNamePrefix
	}
	switch p.Liquidity {
	case "":
		p.Liquidity = Uniform
	case Uniform:
	case SingleAt:
		if p.LiquidityAgent == "" {
			p.LiquidityAgent = DefaultLiquidityAgent
		}
	case VectorMode:
		if len(p.LiquidityVector) == 0 {
			return nil, fmt.Errorf("liquidity vector is required for vector mode")
		}
		for _, v := range p.LiquidityVector {
			if v.Sign() <= 0 {
				return nil, fmt.Errorf("liquidity vector must contain positive values")
			}
		}
	default:
		return nil, fmt.Errorf("unknown liquidity mode %q (want uniform, single_at or vector)", p.Liquidity)
	}
	if p.DefaultHandling != "" {
		if msg := CheckDefaultHandling(p.DefaultHandling); msg != "" {
			return nil, errors.New(msg)
		}
	}
	if p.LiquidityTotal != nil {
		if msg := CheckPositive("the liquidity total L0", *p.LiquidityTotal); msg != "" {
			return nil, errors.New(msg)
		}
	}
	if p.MaxDays != 0 {
		if msg := CheckMaxDays(int64(p.MaxDays)); msg != "" {
			return nil, errors.New(msg)
		}
	}
	if p.QuietDays != nil {
		if msg := CheckQuietDays(int64(*p.QuietDays)); msg != "" {
			return nil, errors.New(msg)
		}
	}
	r := &resolved{Params: p, maxDays: p.MaxDays, quietDays: DefaultQuietDays,
		kappa: kappa, concentration: concentration, monotonicity: monotonicity, mu: mu}
	if r.maxDays == 0 {
		r.maxDays = DefaultMaxDays(p.MaturityDays)
	}
	if p.QuietDays != nil {
		r.quietDays = *p.QuietDays
	}
	var err error
	if r.qTotal, r.l0, err = totals(p.QTotal, p.LiquidityTotal, kappa, p.KappaRule); err != nil {
		return nil, err
	}
	return r, nil
}

// ParseCLIFloat returns Decimal(str(float(s))): how bilancio turns a click
// float option such as --q-total into a Decimal, so that "10000" becomes
// 10000.0 (and registries print 10000.0).
func ParseCLIFloat(s string) (pynum.Amount, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if errors.Is(err, strconv.ErrRange) {
		return pynum.Amount{}, floatOutOfRange(s, math.IsInf(f, 0))
	}
	if err != nil {
		return pynum.Amount{}, fmt.Errorf("not a number: %q", ShortNumber(s))
	}
	a, err := pynum.FromFloat(f)
	if err != nil {
		return pynum.Amount{}, fmt.Errorf("parse %q: %w", s, err)
	}
	return a, nil
}

// ParseDecimal returns Decimal(s) with its exponent as written ("0.50" stays
// 0.50), as bilancio reads its comma-separated grid values.
func ParseDecimal(s string) (pynum.Amount, error) {
	a, err := pynum.ParseDecimal(strings.TrimSpace(s))
	if err != nil {
		return pynum.Amount{}, fmt.Errorf("parse decimal %q: %w", s, err)
	}
	return a, nil
}
