package ring

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/bilancio-go/bilancio/internal/pynum"
)

// scenarioName is bilancio's "{prefix} (n=…, kappa=…, c=…, mu=…)".
func scenarioName(r *resolved) string {
	return fmt.Sprintf("%s (n=%d, kappa=%s, c=%s, mu=%s)", r.NamePrefix, r.NAgents,
		fmtDecimal(r.kappa), fmtDecimal(r.concentration), fmtDecimal(r.mu))
}

// description is bilancio's one-line summary of the parameters; S1 and L0
// are the resolved totals.
func description(r *resolved) string {
	return strings.Join([]string{
		fmt.Sprintf("Ring of %d agents with total dues S1=%s", r.NAgents, fmtDecimal(r.qTotal)),
		fmt.Sprintf("initial liquidity L0=%s (kappa=%s)", fmtDecimal(r.l0), fmtDecimal(r.kappa)),
		fmt.Sprintf("Dirichlet concentration c=%s", fmtDecimal(r.concentration)),
		fmt.Sprintf("maturity mu=%s over %d day horizon", fmtDecimal(r.mu), r.MaturityDays),
	}, "; ")
}

// fmtDecimal is bilancio's _fmt_decimal: the normalised value as plain
// digits when integral, otherwise in fixed-point notation without trailing
// zeros, never with an exponent (10000.0 → 10000, 2.50 → 2.5, 1E-7 →
// 0.0000001).
func fmtDecimal(d pynum.Amount) string {
	norm := pynum.Normalize(d)
	coef, exp := norm.Coefficient()
	if exp >= 0 {
		return integerText(norm)
	}
	// Fixed-point notation of coef·10^exp, exp < 0.
	neg := coef.Sign() < 0
	digits := coef.Abs(coef).String()
	if k := len(digits) + int(exp); k > 0 {
		digits = digits[:k] + "." + digits[k:]
	} else {
		digits = "0." + strings.Repeat("0", -k) + digits
	}
	if strings.Contains(digits, ".") {
		digits = strings.TrimRight(strings.TrimRight(digits, "0"), ".")
	}
	if neg {
		digits = "-" + digits
	}
	return digits
}

// integerText prints a Decimal with a non-negative exponent as Python's
// str(int(d)) does.
func integerText(d pynum.Amount) string {
	coef, exp := d.Coefficient()
	if exp > 0 {
		coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
	}
	return coef.String()
}
